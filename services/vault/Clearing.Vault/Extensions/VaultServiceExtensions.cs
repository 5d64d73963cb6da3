using Clearing.Contracts.Gateway.V1;
using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Primitives.Markets;
using Clearing.ServiceDefaults.Configuration;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Quoting;
using Clearing.Vault.Integration;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Clearing.Vault.Extensions;

public static class VaultServiceExtensions
{
    /// <summary>
    /// The vault service: its name and default ports (gRPC 7109, health/metrics 8109), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers is
    /// set) and Dapr (embedded state store unless Dapr:Enabled). Then the vault: its books (stream vault-{id}), the
    /// oracle view, the margin-ledger, matching and liquidation inputs, the clock, the outbox relay publishing
    /// clearing.vault.events.v1, and — when Vault:Quoting:Enabled — the quoting loop
    /// that sends signed orders to the order gateway.
    /// </summary>
    public static IHostApplicationBuilder AddVaultService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("vault", grpcPort: 7109, httpPort: 8109);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddMarketCatalog(builder.Configuration);
        builder.AddValidatedOptions<VaultOptions>(VaultOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<VaultOptions>>().Value.BuildRules());
        builder.Services.AddSingleton<IReadOnlyList<QuoteParameters>>(sp =>
            sp.GetRequiredService<IOptions<VaultOptions>>().Value.BuildQuoteParameters(sp.GetRequiredService<MarketCatalog>()));
        builder.Services.AddSingleton(_ => new MarketPrices());
        builder.Services.AddSingleton<LiveQuotes>();
        builder.Services.AddSingleton<VaultLedger>();
        // One id for the vault's money, quotes and backstop positions: its trading account "vault-{id}" in margin.
        builder.Services.AddSingleton(sp => new VaultAccount(sp.GetRequiredService<Clearing.Vault.Domain.Accounting.VaultRules>().AccountId));
        builder.AddVaultParameters();   // governance's "vault" caps: the feed loads before the inputs below consume
        builder.Services.AddVaultInputs();
        builder.Services.AddHostedService<VaultClock>();
        // Its events go out on clearing.vault.events.v1 from the store (margin pays withdrawals from them).
        builder.Services.AddOutboxRelay<VaultOutboxTranslator>(new OutboxRelayOptions { Name = "vault", Category = VaultLedger.Category });
        if (builder.Configuration.GetValue<bool>($"{VaultOptions.Section}:Quoting:Enabled"))
        {
            AddQuoting(builder.Services);
        }

        return builder;
    }

    private static void AddQuoting(IServiceCollection services)
    {
        services.AddSingleton<IQuoteSink>(sp =>
        {
            var quoting = sp.GetRequiredService<IOptions<VaultOptions>>().Value.Quoting;
            var key = Key.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(quoting.PrivateKey), KeyBlobFormat.RawPrivateKey);
            var channel = GatewayChannel.Create(quoting);
            return new GatewayQuoteSink(sp.GetRequiredService<Clearing.Vault.Domain.Accounting.VaultRules>().AccountId, key, new Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient(channel), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<GatewayQuoteSink>>());
        });
        services.AddHostedService(sp =>
        {
            var options = sp.GetRequiredService<IOptions<VaultOptions>>().Value;
            var catalog = sp.GetRequiredService<MarketCatalog>();
            var markets = sp.GetRequiredService<IReadOnlyList<QuoteParameters>>();
            return new QuotingLoop(
                sp.GetRequiredService<VaultLedger>(), sp.GetRequiredService<MarketPrices>(), sp.GetRequiredService<LiveQuotes>(), sp.GetRequiredService<IQuoteSink>(),
                markets, markets.ToDictionary(m => m.Market, m => catalog.Get(m.Market).Underlying, StringComparer.Ordinal), options.Quoting.Interval,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<QuotingLoop>>(), sp.GetRequiredService<VaultParametersGateway>());
        });
    }
}
