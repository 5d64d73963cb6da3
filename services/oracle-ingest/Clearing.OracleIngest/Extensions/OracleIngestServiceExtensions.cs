using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.OracleIngest.Application;
using Clearing.ServiceDefaults.Configuration;

namespace Clearing.OracleIngest.Extensions;

public static class OracleIngestServiceExtensions
{
    /// <summary>
    /// The oracle-ingest service: its name and default ports (gRPC 7104, health/metrics 8104), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddOracleIngestService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("oracle-ingest", grpcPort: 7104, httpPort: 8104);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddSingleton<CircuitBreakerResets>();
        return builder;
    }
}
