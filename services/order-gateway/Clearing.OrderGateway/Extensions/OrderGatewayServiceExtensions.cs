using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.ServiceDefaults.Configuration;

namespace Clearing.OrderGateway.Extensions;

public static class OrderGatewayServiceExtensions
{
    /// <summary>
    /// The order-gateway service: its name and default ports (gRPC 7101, health/metrics 8101), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddOrderGatewayService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("order-gateway", grpcPort: 7101, httpPort: 8101);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        return builder;
    }
}
