using Clearing.EventSourcing.Sqlite;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Domain.Vault;
using Microsoft.Extensions.Logging.Abstractions;
using LiquidationSource = Clearing.Liquidation.Domain.MessageSource;

namespace Clearing.Vault.Tests.Backstop;

/// <summary>The backstop stage through liquidation's engine over a real SQLite store: the vault's usage is stored and survives a restart.</summary>
public sealed class LiquidationEngineBackstopTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly LiquidationRules Rules = new([new MarketRules { Market = "BTC-PERP", TickSize = 0.5m, LotSize = 0.001m }]);
    private static readonly VaultBackstopRules Mandate = new() { VaultId = "hlp", DefaultMarketLossCap = 500m, DailyLossCap = 10_000m };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-vault-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteEventStore _store;

    public LiquidationEngineBackstopTests()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
    }

    private LiquidationEngine Engine() => new(_store, Rules, TimeProvider.System, NullLogger<LiquidationEngine>.Instance, Mandate);

    /// <summary>A bankrupt 1 BTC long: mark 44 000, bankruptcy price 45 000, so every unit taken over loses 1 000.</summary>
    private static RiskInput Bankrupt(string account, long sequence) => new(
        account, RiskKind.Bankrupt, T0, -1_000m, 2_300m, 1_150m, 3_300m,
        [new PositionRiskInput("BTC-PERP", 1m, 50_000m, 44_000m, 1_150m, 45_000m)], new LiquidationSource($"account-{account}", sequence));

    private async Task<List<object>> EventsOf(string stream)
    {
        var events = new List<object>();
        await foreach (var recorded in _store.ReadAllAsync(1, int.MaxValue))
        {
            if (recorded.StreamId == stream)
            {
                events.Add(LiquidationJsonContext.Serializer.Deserialize(recorded));
            }
        }

        return events;
    }

    [Fact]
    public async Task the_engine_hands_the_vault_what_its_cap_allows_before_the_fund_and_remembers_it_across_a_restart()
    {
        var engine = Engine();
        await engine.DepositAsync("seed", 10_000m, "ops", "seed the fund", None);
        await engine.HandleRiskAsync(Bankrupt("acct-1", 1), None);
        await engine.TickAsync(T0.AddSeconds(6), None);   // the slice got no answer within 5 s: backstop

        var first = await EventsOf("liquidation-acct-1");
        var toVault = first.OfType<TransferredToVault>().Single();
        (toVault.Size, toVault.LossTaken, toVault.VaultAccountId).ShouldBe((0.5m, 500m, "vault-hlp"));
        first.OfType<TransferredToFund>().Single().Size.ShouldBe(0.5m);
        first.OfType<LiquidationCompleted>().Single().TakenByVault.ShouldBe(0.5m);
        (await engine.LoadVaultBackstopAsync(None)).State.TotalLoss.ShouldBe(500m);
        (await engine.LoadPositionsAsync("BTC-PERP", None)).State.Positions["vault-hlp"].Size.ShouldBe(0.5m);   // the vault now holds the long it took over

        // A new process on the same store: the cap used stays used, so the next bankrupt long goes to the fund.
        var restarted = Engine();
        await restarted.HandleRiskAsync(Bankrupt("acct-2", 1), None);
        await restarted.TickAsync(T0.AddSeconds(6), None);

        var second = await EventsOf("liquidation-acct-2");
        second.OfType<TransferredToVault>().ShouldBeEmpty();
        second.OfType<TransferredToFund>().Single().Size.ShouldBe(1m);
        (await restarted.LoadVaultBackstopAsync(None)).State.Losses.Count.ShouldBe(1);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp directory is cleaned by the OS.
        }
    }
}
