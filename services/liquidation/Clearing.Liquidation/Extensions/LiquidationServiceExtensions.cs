using Clearing.Contracts;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Integration;
using Clearing.Liquidation.Options;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Parameters.Consuming;
using Clearing.Primitives.Markets;
using Clearing.ServiceDefaults.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Clearing.Liquidation.Extensions;

public static class LiquidationServiceExtensions
{
    /// <summary>
    /// The liquidation service: its name and default ports (gRPC 7106, health/metrics 8106), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check. Then the engine, its
    /// two consumers (risk events, matching events), its clock and the outbox relay that publishes liquidation orders
    /// and liquidation events.
    /// </summary>
    public static IHostApplicationBuilder AddLiquidationService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("liquidation", grpcPort: 7106, httpPort: 8106);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddMarketCatalog(builder.Configuration);
        builder.AddValidatedOptions<LiquidationOptions>(LiquidationOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<LiquidationOptions>>().Value.BuildRules(sp.GetRequiredService<MarketCatalog>()));
        // Governance parameters (set "insurance") before the service's own consumers, so the stored versions are folded first.
        builder.Services.AddGovernanceParameters();
        builder.Services.AddSingleton(sp => new LiquidationParametersGateway(
            sp.GetRequiredService<ParameterFeed>(), sp.GetRequiredService<LiquidationRules>(), sp.GetRequiredService<ILogger<LiquidationParametersGateway>>()));
        builder.Services.AddSingleton(sp => new LiquidationEngine(
            sp.GetRequiredService<IEventStore>(),
            sp.GetRequiredService<LiquidationRules>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LiquidationEngine>>(),
            sp.GetRequiredService<IOptions<LiquidationOptions>>().Value.BuildVaultRules(),
            sp.GetRequiredService<LiquidationParametersGateway>().RulesAt));
        builder.Services.AddSingleton<RiskEventGateway>();
        builder.Services.AddSingleton<MatchingEventGateway>();
        builder.Services.AddKafkaConsumer(
            new KafkaConsumerDefinition<RiskEvent> { Name = "liquidation-risk", Topics = [Topics.MarginRisk], Deserializer = new ProtobufPayloadDeserializer<RiskEvent>() },
            sp => sp.GetRequiredService<RiskEventGateway>().HandleAsync);
        builder.Services.AddKafkaBatchConsumer(
            new KafkaConsumerDefinition<MatchingEvent>
            {
                Name = "liquidation-matching", Topics = [Topics.MatchingEvents], Deserializer = new LiquidationMatchingDeserializer(), MaxBatchSize = MatchingEventGateway.MaxBatchSize,
                Types = KafkaTypeFilter.Only(LiquidationMatchingDeserializer.FillType, LiquidationMatchingDeserializer.CancelledType, LiquidationMatchingDeserializer.RejectedType),
            },
            sp => sp.GetRequiredService<MatchingEventGateway>().HandleAsync);
        builder.Services.AddHostedService<LiquidationClock>();
        builder.Services.AddOutboxRelay<LiquidationOutboxTranslator>(new OutboxRelayOptions { Name = "liquidation" });
        return builder;
    }
}
