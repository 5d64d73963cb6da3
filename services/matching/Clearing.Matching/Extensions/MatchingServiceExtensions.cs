using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Matching.Application;
using Clearing.Matching.Integration;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Parameters.Consuming;
using Clearing.ServiceDefaults.Configuration;

namespace Clearing.Matching.Extensions;

public static class MatchingServiceExtensions
{
    /// <summary>
    /// The matching service: its name and default ports (gRPC 7102, health/metrics 8102), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check. Then the market catalog
    /// ("Markets"), the "Matching" options, governance's parameter feed (clearing.governance.params.v1) and the processor that
    /// runs the books.
    /// </summary>
    public static IHostApplicationBuilder AddMatchingService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("matching", grpcPort: 7102, httpPort: 8102);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddMarketCatalog(builder.Configuration);
        builder.AddValidatedOptions<MatchingOptions>(MatchingOptions.Section);
        builder.Services.AddSingleton<HaltFeed>();
        builder.Services.AddSingleton<MarketHalts>();
        // Governed market parameters (default-tier fees, price band, halt): the registry's copy is folded before the processor starts.
        builder.Services.AddGovernanceParameters();
        builder.Services.AddSingleton<MatchingParametersGateway>();
        // The hot path: order commands and oracle prices in, matching events out, exactly once (see MatchingProcessor).
        builder.Services.AddSingleton<MatchingProcessor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MatchingProcessor>());
        return builder;
    }
}
