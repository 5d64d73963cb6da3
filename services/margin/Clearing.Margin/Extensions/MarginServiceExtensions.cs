using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Margin.Application;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.ServiceDefaults.Configuration;

namespace Clearing.Margin.Extensions;

public static class MarginServiceExtensions
{
    /// <summary>
    /// The margin service: its name and default ports (gRPC 7103, health/metrics 8103), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddMarginService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("margin", grpcPort: 7103, httpPort: 8103);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddSingleton<CollateralCrediting>();
        return builder;
    }
}
