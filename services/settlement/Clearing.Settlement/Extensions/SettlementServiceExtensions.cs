using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.ServiceDefaults.Configuration;

namespace Clearing.Settlement.Extensions;

public static class SettlementServiceExtensions
{
    /// <summary>
    /// The settlement service: its name and default ports (gRPC 7107, health/metrics 8107), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddSettlementService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("settlement", grpcPort: 7107, httpPort: 8107);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        return builder;
    }
}
