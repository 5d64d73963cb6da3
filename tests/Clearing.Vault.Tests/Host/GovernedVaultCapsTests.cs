using Clearing.EventSourcing.Sqlite;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.Vault.Application;
using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Domain.Quoting;
using Clearing.Vault.Integration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Vault.Tests.Host;

/// <summary>
/// Governance → vault (VaultParametersGateway): the registry's "vault" caps in force at a deposit's time decide whether
/// it is admitted (the books call the gateway inside their decision); quoting cuts each market's exposure cap to them.
/// </summary>
public sealed class GovernedVaultCapsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly VaultRules Rules = new() { VaultId = "hlp" };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-vault-caps", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(T0);
    private SqliteEventStore _store = null!;
    private ParameterFeed _feed = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")), _time);
        _feed = new ParameterFeed(_store, NullLogger<ParameterFeed>.Instance);
        await _feed.LoadAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may hold the file a moment longer; a temp directory left behind is harmless.
        }
    }

    private VaultParametersGateway Gateway() => new(_feed, VaultCaps.Default, Rules, NullLogger<VaultParametersGateway>.Instance);

    private Task PublishAsync(long version, VaultParameters caps, DateTimeOffset effective) =>
        _feed.ApplyAsync(ParamsContract.ToProto(version, new ParametersChanged(ParameterSets.Vault, caps, effective, effective.AddHours(-1), $"p-{version}", version == 0 ? ChangeCause.Genesis : ChangeCause.Proposal, [])), CancellationToken.None);

    [Fact]
    public async Task a_deposit_beyond_the_governed_cap_is_refused_with_a_reason_naming_the_cap_and_a_raised_cap_admits_it()
    {
        await PublishAsync(0, new VaultParameters(50_000_000m, 1_000_000m, 20_000_000m, 5m), T0.AddDays(-1));
        await PublishAsync(1, new VaultParameters(50_000_000m, 2_000_000m, 20_000_000m, 5m), T0.AddHours(1));
        var gateway = Gateway();
        var state = VaultState.Empty("hlp");
        var noMarks = new Dictionary<string, decimal>();

        gateway.DepositRefusal(state, "lp-1", 1_500_000m, "dep-1", T0).ShouldNotBeNull()
            .ShouldBe("Deposit of 1500000 refused: lp-1's net deposits would be 1500000, above maxDepositPerAccount 1000000 USDC (params-vault version 0).");
        // A moment before the raised cap's effective time the old cap still holds.
        gateway.DepositRefusal(state, "lp-1", 1_500_000m, "dep-1", T0.AddHours(1).AddTicks(-1)).ShouldNotBeNull().ShouldContain("maxDepositPerAccount 1000000");
        gateway.DepositRefusal(state, "lp-1", 1_500_000m, "dep-1", T0.AddHours(1)).ShouldBeNull();

        var deposited = VaultBook.Deposit(state, Rules, "lp-1", 1_500_000m, "dep-1", noMarks, T0.AddHours(1)).ShouldHaveSingleItem().ShouldBeOfType<VaultDeposited>();
        state = VaultBook.Evolve(state, deposited);
        deposited.SharesMinted.ShouldBe(1_500_000m);

        // A repeat of the booked reference is the books' to answer (already done), not a cap breach.
        gateway.DepositRefusal(state, "lp-1", 1_500_000m, "dep-1", T0.AddHours(2)).ShouldBeNull();
        // The same LP again: 1.5M + 0.6M is above the raised 2M cap as well.
        gateway.DepositRefusal(state, "lp-1", 600_000m, "dep-2", T0.AddHours(2)).ShouldNotBeNull()
            .ShouldContain("net deposits would be 2100000, above maxDepositPerAccount 2000000 USDC (params-vault version 1)");
        gateway.DepositRefusal(state, "lp-1", 500_000m, "dep-2", T0.AddHours(2)).ShouldBeNull();
    }

    [Fact]
    public async Task a_deposit_booked_in_margin_beyond_the_governed_cap_is_returned_naming_the_cap_and_admitted_once_a_raised_cap_is_in_force()
    {
        await PublishAsync(0, new VaultParameters(50_000_000m, 1_000_000m, 20_000_000m, 5m), T0.AddDays(-1));
        await PublishAsync(1, new VaultParameters(50_000_000m, 2_000_000m, 20_000_000m, 5m), T0.AddHours(1));
        var ledger = new VaultLedger(_store, Rules, new MarketPrices(), _time, Gateway());

        // The ledger entry's time decides, not the wall clock (still T0 here).
        var returned = (await ledger.OnDepositBookedAsync(new DepositInput("lp-1", "USDC", 1_500_000m, "dep-1", T0, new MessageSource("ledger-main", 1)), CancellationToken.None))
            .ShouldHaveSingleItem().ShouldBeOfType<DepositReturned>();
        returned.Reason.ShouldBe("Deposit of 1500000 refused: lp-1's net deposits would be 1500000, above maxDepositPerAccount 1000000 USDC (params-vault version 0).");
        var admitted = (await ledger.OnDepositBookedAsync(new DepositInput("lp-1", "USDC", 1_500_000m, "dep-2", T0.AddHours(1), new MessageSource("ledger-main", 2)), CancellationToken.None))
            .ShouldHaveSingleItem().ShouldBeOfType<VaultDeposited>();
        admitted.SharesMinted.ShouldBe(1_500_000m);

        var state = (await ledger.LoadAsync(CancellationToken.None)).State;
        state.Collateral.ShouldBe(1_500_000m);
        state.Holdings["lp-1"].Deposited.ShouldBe(1_500_000m);
    }

    [Fact]
    public void the_total_cap_counts_every_lp_net_deposits()
    {
        var state = VaultState.Empty("hlp") with
        {
            Holdings = VaultState.Empty("hlp").Holdings
                .SetItem("lp-a", new LpHolding(900m, 0m, 900m, 0m, 0m, 0m))
                .SetItem("lp-b", new LpHolding(100m, 0m, 700m, 600m, 0m, 0m)),
        };
        var caps = new VaultCapsInForce(new VaultCaps(1_200m, 1_000m, 0m, 1m), 3, null);

        VaultParametersGateway.DepositRefusal(state, "lp-c", 200m, "r-1", caps).ShouldBeNull();
        VaultParametersGateway.DepositRefusal(state, "lp-c", 201m, "r-1", caps).ShouldNotBeNull().ShouldContain("above maxTotalDeposits 1200 USDC (params-vault version 3)");
        VaultParametersGateway.DepositRefusal(state, "lp-a", 101m, "r-2", caps).ShouldNotBeNull().ShouldContain("maxDepositPerAccount 1000");
    }

    [Fact]
    public async Task a_governed_set_the_vault_cannot_use_is_refused_and_the_configured_caps_stay()
    {
        // Governance admits a 5 USDC per-LP cap; with the vault's 10 USDC minimum deposit no deposit could ever pass.
        var unusable = new VaultParameters(50_000_000m, 5m, 20_000_000m, 5m);
        unusable.Validate().ShouldBeEmpty();
        await PublishAsync(0, unusable, T0.AddDays(-1));

        var inForce = Gateway().At(T0);

        inForce.ParamsVersion.ShouldBe(-1);
        inForce.Caps.ShouldBe(VaultCaps.Default);
        inForce.Refused.ShouldNotBeNull().ShouldContain("params-vault version 0");
        inForce.Refused.ShouldContain("below the vault's minimum deposit 10");
    }

    [Fact]
    public async Task quotes_are_capped_by_the_governed_notional_per_market_and_the_leverage_left_after_other_markets()
    {
        await PublishAsync(0, new VaultParameters(50_000_000m, 1_000_000m, 100_000m, 2m), T0);
        var btc = new QuoteParameters { Market = "BTC-PERP", TickSize = 0.5m, LotSize = 0.001m, MaxNotional = 250_000m };
        var state = VaultState.Empty("hlp") with
        {
            Positions = VaultState.Empty("hlp").Positions.SetItem("ETH-PERP", new VaultPosition(-50m, -150_000m, 0m)),
        };
        var marks = new Dictionary<string, decimal> { ["ETH-PERP"] = 3_000m, ["BTC-PERP"] = 60_000m };
        var gateway = Gateway();

        gateway.Limit(btc, VaultState.Empty("hlp"), marks, nav: 1_000_000m, T0.AddTicks(-1)).ShouldBeSameAs(btc);
        gateway.Limit(btc, VaultState.Empty("hlp"), marks, nav: 1_000_000m, T0).MaxNotional.ShouldBe(100_000m);
        // 2 × 100k NAV − 150k of ETH leaves 50k for BTC.
        gateway.Limit(btc, state, marks, nav: 100_000m, T0).MaxNotional.ShouldBe(50_000m);
        QuotingStrategy.Plan(gateway.Limit(btc, state, marks, 100_000m, T0),
            new QuoteInput(60_000m, OracleStatus.Ok, T0, T0, 0m, 0m, 100_000m)).ExposureCap.ShouldBe(20_000m);
    }
}
