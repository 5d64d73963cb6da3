using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.ServiceDefaults.Configuration;

namespace Clearing.Liquidation.Extensions;

public static class LiquidationServiceExtensions
{
    /// <summary>
    /// The liquidation service: its name and default ports (gRPC 7106, health/metrics 8106), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddLiquidationService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("liquidation", grpcPort: 7106, httpPort: 8106);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        return builder;
    }
}
