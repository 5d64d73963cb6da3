using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.ReadModels;
using Clearing.Dapr;
using Clearing.Dapr.Hosting;
using Clearing.Dapr.State;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Integration;
using Clearing.Parameters.Consuming;
using Clearing.ServiceDefaults.Configuration;
using Dapr.Client;
using Microsoft.Extensions.Options;

namespace Clearing.OrderGateway.Extensions;

public static class OrderGatewayServiceExtensions
{
    /// <summary>
    /// The order-gateway service: its name and default ports (gRPC 7101, health/metrics 8101), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check. On top: the gate
    /// (OrderGateway options, market catalog, account keys from Clearing:Auth:Traders), the outbox relay to
    /// clearing.orders.commands.v1, the market views fed by matching events and oracle prices, margin's account read
    /// model, and gRPC JSON transcoding.
    /// </summary>
    public static IHostApplicationBuilder AddOrderGatewayService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("order-gateway", grpcPort: 7101, httpPort: 8101);
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddClearingEventStore(configuration);
        services.AddClearingKafka(configuration);
        services.AddClearingDapr(configuration);
        services.AddGrpc().AddJsonTranscoding();

        builder.AddValidatedOptions<OrderGatewayOptions>(OrderGatewayOptions.Section);
        services.AddMarketCatalog(configuration);
        // Governance's market sets (the halted flag) before the views that read them.
        services.AddGovernanceParameters();
        services.AddSingleton<GatewayParametersGateway>();
        services.AddSingleton<MarketViews>();
        services.AddSingleton(sp => new AccountLedgers(sp.GetRequiredService<IEventStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<OrderGatewayOptions>>().Value.OrderIdRetention.Ticks * 100));
        services.AddSingleton<AcceptedCommandHandoff>();
        services.AddSingleton<OrderAdmission>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<OrderGatewayOptions>>().Value.Backpressure);
        services.AddSingleton(sp =>
        {
            // Resolved on first use, after the host built its hosted services: the relay is one of them.
            var relay = new Lazy<OutboxRelayService?>(() => sp.GetServices<IHostedService>().OfType<OutboxRelayService>().FirstOrDefault());
            return new GatewayBackpressure(sp.GetRequiredService<GatewayBackpressureOptions>(), () => relay.Value?.Current?.Lag, sp.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService<ConsumerLagMonitor>();
        services.AddSingleton<IAccountRiskReader>(sp => RiskReader(sp, configuration));

        // Pages of 4096: under load the relay is the stage that falls behind first (a whole-stack run offered ~750
        // orders/s held a lag of 5-7k events at ~600/s published with pages of 500): each page pays a broker round
        // trip and two store writes however full it is. A crash repeats at most one page, which matching skips by command_id.
        services.AddOutboxRelay<GatewayOutboxTranslator>(new OutboxRelayOptions
        {
            Name = "order-gateway", Category = GatewayEvents.Category, IdleWait = TimeSpan.FromMilliseconds(20), PageSize = 4096,
        });

        // The views are in memory: every start reads the topics from the beginning under a group of its own.
        var viewsGroup = $"order-gateway-views-{Guid.NewGuid():N}";
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<MatchingEvent>
            {
                Name = "gateway-matching-views", Topics = [Topics.MatchingEvents], GroupId = viewsGroup,
                Deserializer = new ProtobufPayloadDeserializer<MatchingEvent>(),
            },
            sp => ApplyTo<MatchingEvent>(sp.GetRequiredService<MarketViews>().Apply));
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<PriceUpdate>
            {
                Name = "gateway-oracle-marks", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.OraclePrices], GroupId = viewsGroup,
                Deserializer = new ProtobufPayloadDeserializer<PriceUpdate>(),
            },
            sp => ApplyTo<PriceUpdate>(sp.GetRequiredService<MarketViews>().Apply));
        return builder;
    }

    private static KafkaMessageHandler<T> ApplyTo<T>(Action<T> apply) => (message, _) =>
    {
        apply(message.Payload);
        return Task.CompletedTask;
    };

    /// <summary>Margin's read model: its Dapr state store component when Dapr is on, else its SQLite file, read-only.</summary>
    private static IAccountRiskReader RiskReader(IServiceProvider services, IConfiguration configuration)
    {
        var dapr = services.GetRequiredService<IOptions<DaprOptions>>().Value;
        if (dapr.Enabled)
        {
            return new StateStoreAccountRiskReader(new DaprStateStore(services.GetRequiredService<DaprClient>(), AccountRiskView.StateStoreName));
        }

        var root = configuration["Clearing:DataDirectory"] ?? Path.Combine(".", ".clearing", "data");
        return new SqliteAccountRiskReader(SqliteStateStore.PathFor(Path.Combine(root, Primitives.ServiceName.Slug("margin")), AccountRiskView.StateStoreName));
    }
}
