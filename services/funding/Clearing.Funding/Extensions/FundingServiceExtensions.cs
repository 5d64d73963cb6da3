using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Funding.Application;
using Clearing.Funding.Integration;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Parameters.Consuming;
using Clearing.ServiceDefaults.Configuration;

namespace Clearing.Funding.Extensions;

public static class FundingServiceExtensions
{
    /// <summary>
    /// The funding service: its name and default ports (gRPC 7105, health/metrics 8105), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check.
    /// Then funding itself: the "Funding" options per perpetual of the market catalog, the book and index views fed from
    /// Kafka, the sampler that ticks each market and stores funding-{market}, and the outbox relay that publishes
    /// fixed rates on clearing.funding.events.v1.
    /// </summary>
    public static IHostApplicationBuilder AddFundingService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("funding", grpcPort: 7105, httpPort: 8105);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddMarketCatalog(builder.Configuration);
        builder.AddValidatedOptions<FundingOptions>(FundingOptions.SectionName);
        builder.Services.AddSingleton<FundingMarkets>();
        builder.Services.AddSingleton<MarketBooks>();
        builder.Services.AddSingleton<IndexPrices>();
        builder.Services.AddSingleton<FundingStreams>();
        // Governance's funding cap per market, in force from its effective time (before the sampler reads it).
        builder.Services.AddGovernanceParameters();
        builder.Services.AddSingleton<FundingParametersGateway>();
        builder.Services.AddSingleton<FundingSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FundingSampler>());
        builder.Services.AddFundingInputs();
        builder.Services.AddOutboxRelay<FundingOutboxTranslator>(new OutboxRelayOptions { Name = "funding", Category = FundingStreams.Category });
        return builder;
    }
}
