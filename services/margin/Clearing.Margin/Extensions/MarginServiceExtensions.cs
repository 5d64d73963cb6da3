using Clearing.Contracts;
using Clearing.Contracts.Funding.V1;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Settlement.V1;
using Clearing.Contracts.Vault.V1;
using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Margin.Integration;
using Clearing.Margin.Options;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Parameters.Consuming;
using Clearing.Primitives.Markets;
using Clearing.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace Clearing.Margin.Extensions;

public static class MarginServiceExtensions
{
    /// <summary>
    /// The margin service: its name and default ports (gRPC 7103, health/metrics 8103), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check. Then the account
    /// book, its consumers (fills, prices, funding, liquidation, settlement, vault payouts), the ledger projector, the vault transfer mirror and the outbox relay
    /// publishing risk events and ledger entries.
    /// </summary>
    public static IHostApplicationBuilder AddMarginService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("margin", grpcPort: 7103, httpPort: 8103);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddMarketCatalog(builder.Configuration);
        builder.AddValidatedOptions<MarginOptions>(MarginParameters.SectionName);

        builder.Services.AddSingleton(sp => new AccountDecider(new RiskCalculator(
            sp.GetRequiredService<MarketCatalog>(),
            sp.GetRequiredService<IOptions<MarginOptions>>().Value.ToParameters(),
            PortfolioMargin.Default)));
        builder.Services.AddSingleton<PriceBook>();
        // The read model lives in its own store, "margin-risk" (AccountRiskView.StateStoreName), which the gateway opens
        // by that name: a Dapr component in a cluster, margin's SQLite file beside its event store locally.
        builder.Services.AddSingleton<AccountRiskViews>(sp =>
        {
            var dapr = sp.GetRequiredService<IOptions<Clearing.Dapr.DaprOptions>>().Value;
            Clearing.Dapr.State.IStateStore store = dapr.Enabled
                ? new Clearing.Dapr.State.DaprStateStore(sp.GetRequiredService<global::Dapr.Client.DaprClient>(), Clearing.Contracts.ReadModels.AccountRiskView.StateStoreName)
                : new Clearing.Dapr.State.SqliteStateStore(Clearing.Contracts.ReadModels.AccountRiskView.StateStoreName,
                    Clearing.Dapr.State.SqliteStateStore.PathFor(dapr.DataDirectory!, Clearing.Contracts.ReadModels.AccountRiskView.StateStoreName),
                    sp.GetRequiredService<TimeProvider>());
            return new AccountRiskViews(store);
        });
        builder.Services.AddSingleton<AccountBook>();
        builder.Services.AddSingleton<WithdrawalPauseBook>();
        builder.Services.AddSingleton<CollateralCrediting>();
        // Before the consumers: the account book must know every account (and its markets) before a price ticks.
        builder.Services.AddHostedService<AccountBookLoader>();
        builder.Services.AddSingleton<LedgerProjector>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LedgerProjector>());
        // The counterpart half of vault deposits and payouts, from the numbered ledger (VaultTransferMirror).
        builder.Services.AddSingleton<VaultTransferMirror>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<VaultTransferMirror>());
        // Governance parameters (margin tiers per market) before the consumers, switched at price-update times.
        builder.Services.AddGovernanceParameters();
        builder.Services.AddSingleton<MarginParametersGateway>();

        builder.Services.AddSingleton<MatchingFillGateway>();
        builder.Services.AddSingleton<OraclePriceGateway>();
        builder.Services.AddSingleton<FundingGateway>();
        builder.Services.AddSingleton<LiquidationGateway>();
        builder.Services.AddSingleton<SettlementGateway>();
        builder.Services.AddSingleton<VaultGateway>();
        builder.Services.AddKafkaBatchConsumer(
            new KafkaConsumerDefinition<MatchingEvent>
            {
                Name = "margin-fills", Topics = [Topics.MatchingEvents], Deserializer = new MarginMatchingDeserializer(), MaxBatchSize = MatchingFillGateway.MaxBatchSize,
                Types = MatchingFillGateway.Types,
            },
            sp => sp.GetRequiredService<MatchingFillGateway>().HandleAsync);
        builder.Services.AddKafkaConsumer(
            new KafkaConsumerDefinition<PriceUpdate> { Name = "margin-prices", Topics = [Topics.OraclePrices], Deserializer = new ProtobufPayloadDeserializer<PriceUpdate>() },
            sp => sp.GetRequiredService<MarginParametersGateway>().Before(sp.GetRequiredService<OraclePriceGateway>().HandleAsync));
        builder.Services.AddKafkaConsumer(
            new KafkaConsumerDefinition<FundingEvent> { Name = "margin-funding", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.FundingEvents], Deserializer = new ProtobufPayloadDeserializer<FundingEvent>() },
            sp => sp.GetRequiredService<FundingGateway>().HandleAsync);
        builder.Services.AddKafkaConsumer(
            new KafkaConsumerDefinition<LiquidationEvent> { Name = "margin-liquidation", Topics = [Topics.LiquidationEvents], Deserializer = new ProtobufPayloadDeserializer<LiquidationEvent>() },
            sp => sp.GetRequiredService<LiquidationGateway>().HandleAsync);
        builder.Services.AddKafkaConsumer(
            new KafkaConsumerDefinition<SettlementEvent> { Name = "margin-settlement", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.SettlementEvents], Deserializer = new ProtobufPayloadDeserializer<SettlementEvent>() },
            sp => sp.GetRequiredService<SettlementGateway>().HandleAsync);
        builder.Services.AddKafkaConsumer(
            new KafkaConsumerDefinition<VaultEvent> { Name = "margin-vault", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.VaultEvents], Deserializer = new ProtobufPayloadDeserializer<VaultEvent>() },
            sp => sp.GetRequiredService<VaultGateway>().HandleAsync);
        builder.Services.AddOutboxRelay<MarginOutboxTranslator>(new OutboxRelayOptions { Name = "margin" });
        return builder;
    }
}

/// <summary>Loads every account into the account book at start; consumers registered after it start after it.</summary>
internal sealed class AccountBookLoader(AccountBook book, WithdrawalPauseBook pauses) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await book.LoadAllAsync(cancellationToken);
        await pauses.LoadAllAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
