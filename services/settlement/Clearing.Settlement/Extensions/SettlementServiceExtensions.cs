using Clearing.Contracts;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Parameters.Consuming;
using Clearing.ServiceDefaults.Configuration;
using Clearing.Settlement.Application;
using Clearing.Settlement.Integration;

namespace Clearing.Settlement.Extensions;

public static class SettlementServiceExtensions
{
    /// <summary>The most ledger entries or matching events settlement takes in one run (one store append).</summary>
    public const int RunSize = 500;

    /// <summary>
    /// The settlement service: its name and default ports (gRPC 7107, health/metrics 8107), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check. Then governance's
    /// parameters (the fee schedule, loaded from the store before the consumers start), the ledger, fill and price
    /// consumers (inboxes in the service's own state), the clock for fixings and epoch closes, and the outbox relay
    /// that publishes clearing.settlement.events.v1 from the store.
    /// </summary>
    public static IHostApplicationBuilder AddSettlementService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("settlement", grpcPort: 7107, httpPort: 8107);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddMarketCatalog(builder.Configuration);
        builder.AddValidatedOptions<SettlementOptions>(SettlementOptions.Section);

        builder.Services.AddGovernanceParameters();
        builder.Services.AddSingleton<SettlementParametersGateway>();
        builder.Services.AddSingleton<SaltSecretProvider>();
        builder.Services.AddSingleton<LedgerProcessor>();
        builder.Services.AddSingleton<ExpiryProcessor>();
        builder.Services.AddSingleton<LedgerEntryHandler>();
        builder.Services.AddSingleton<PriceUpdateHandler>();
        builder.Services.AddSingleton<FillVolumeHandler>();
        // Ledger entries and fills arrive in runs: each run is one store append instead of one per message.
        builder.Services.AddKafkaBatchConsumer(
            new KafkaConsumerDefinition<LedgerEntry>
            {
                Name = "settlement-ledger", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.MarginLedger], Deserializer = new ProtobufPayloadDeserializer<LedgerEntry>(), MaxBatchSize = RunSize,
            },
            sp => sp.GetRequiredService<LedgerEntryHandler>().HandleBatchAsync);
        builder.Services.AddKafkaBatchConsumer(
            new KafkaConsumerDefinition<MatchingEvent>
            {
                Name = "settlement-fills", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.MatchingEvents], Deserializer = new FillPayloadDeserializer(), MaxBatchSize = RunSize,
                Types = KafkaTypeFilter.Only(FillPayloadDeserializer.FillType),
            },
            sp => sp.GetRequiredService<FillVolumeHandler>().HandleBatchAsync);
        builder.Services.AddKafkaConsumer(
            new KafkaConsumerDefinition<PriceUpdate> { Name = "settlement-prices", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.OraclePrices], Deserializer = new ProtobufPayloadDeserializer<PriceUpdate>() },
            sp => sp.GetRequiredService<PriceUpdateHandler>().HandleAsync);
        builder.Services.AddHostedService<SettlementClock>();
        builder.Services.AddOutboxRelay<SettlementOutboxTranslator>(new OutboxRelayOptions { Name = "settlement" });
        return builder;
    }
}
