using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.ServiceDefaults.Configuration;

namespace Clearing.Funding.Extensions;

public static class FundingServiceExtensions
{
    /// <summary>
    /// The funding service: its name and default ports (gRPC 7105, health/metrics 8105), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddFundingService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("funding", grpcPort: 7105, httpPort: 8105);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        return builder;
    }
}
