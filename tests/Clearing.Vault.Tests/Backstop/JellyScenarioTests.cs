using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Domain.Vault;
using Clearing.Vault.Domain.Accounting;
using VaultSource = Clearing.Vault.Domain.MessageSource;
using LiquidationSource = Clearing.Liquidation.Domain.MessageSource;
using static Clearing.Vault.Tests.Support.VaultGiven;

namespace Clearing.Vault.Tests.Backstop;

/// <summary>
/// The JELLY incident (Hyperliquid, March 2025) replayed against the liquidation stages and the vault's books: one account
/// holds a large short in a thin market, the price is pumped 5×, the short is bankrupt and the book cannot absorb it.
/// Without caps the backstop vault inherits the whole loss; here the vault takes only what its per-market cap allows and
/// the rest goes to the insurance fund (within its own cap for the market) and then ADL, each step an event.
/// </summary>
public sealed class JellyScenarioTests
{
    private const string Jelly = "JELLY-PERP";
    private static long _sequence;

    private static readonly LiquidationRules Rules = new(
    [
        new MarketRules { Market = Jelly, TickSize = 0.00001m, LotSize = 1m, FundPayoutCap = 100_000m },
        new MarketRules { Market = "BTC-PERP", TickSize = 0.5m, LotSize = 0.001m },
    ]);

    private static readonly VaultBackstopRules Mandate = new() { VaultId = "hlp", DefaultMarketLossCap = 50_000m, DailyLossCap = 250_000m, MaxTakeoverNotional = 2_000_000m };

    private static readonly AdlCandidate[] Longs =
    [
        new("acct-pumper", 6_000_000m, 0.02m, 500_000m),
        new("acct-lucky", 5_000_000m, 0.05m, 400_000m),
    ];

    private static LiquidationSource Next(string stream) => new(stream, Interlocked.Increment(ref _sequence));

    /// <summary>A 10M JELLY short opened at 0.02 with $40k of collateral, pumped to a mark of 0.10: bankrupt by $760k.</summary>
    private static RiskInput PumpedShort(string account, DateTimeOffset at) => new(
        account, RiskKind.Bankrupt, at, Equity: -760_000m, InitialRequirement: 100_000m, MaintenanceRequirement: 50_000m, ToRestoreInitial: 860_000m,
        [new PositionRiskInput(Jelly, -10_000_000m, 0.02m, 0.10m, 50_000m, 0.024m)], Next($"account-{account}"));

    /// <summary>Starts the liquidation, lets its slice come back unfilled (a thin book), and runs the backstop stages.</summary>
    private static (List<object> Events, LiquidationAccount State) Liquidate(string account, DateTimeOffset at, VaultBackstopState vault, InsuranceFundState fund)
    {
        var state = LiquidationAccount.Empty(account);
        var events = new List<object>();
        void Fold(IReadOnlyList<object> decided)
        {
            events.AddRange(decided);
            state = decided.Aggregate(state, LiquidationProcess.Evolve);
        }

        Fold(LiquidationProcess.OnRisk(state, PumpedShort(account, at), Rules, _ => 0m));
        var slice = events.OfType<SlicePlaced>().Single();
        Fold(LiquidationProcess.OnSliceEnd(state, new SliceEndInput(slice.OrderId, Jelly, "cancelled:ioc-remainder", at, Next("book-JELLY-PERP"))));
        var now = at.AddSeconds(1);
        Fold(LiquidationProcess.Advance(state, now, Rules, vault.Capacity(Mandate, now), fund.Capacity(Rules, now), _ => Longs, _ => 0m));
        return (events, state);
    }

    private static VaultBackstopState Book(VaultBackstopState vault, IEnumerable<object> liquidationEvents, string stream) =>
        liquidationEvents.Select((e, i) => VaultBackstop.OnLiquidationEvent(vault, e, new LiquidationSource(stream, i)))
            .Aggregate(vault, (v, booked) => booked.Aggregate(v, VaultBackstop.Evolve));

    private static TakeoverInput Takeover(TransferredToVault e) => new(
        e.LiquidationId, e.AccountId, e.Market, e.Side == CloseSide.Buy ? VaultSide.Sell : VaultSide.Buy, e.Size, e.BankruptcyPrice, e.MarkPrice, e.At,
        new VaultSource("liquidation-" + e.AccountId, 1));

    [Fact]
    public void a_pumped_thin_market_liquidated_into_the_vault_costs_it_no_more_than_its_market_cap_and_the_rest_goes_to_the_fund_and_adl()
    {
        var (events, state) = Liquidate("acct-jelly", T0, new VaultBackstopState(), new InsuranceFundState { Balance = 1_000_000m });

        events.Select(e => e.GetType().Name).ShouldBe(
        [
            nameof(LiquidationStarted), nameof(OpenOrdersCancelled), nameof(SlicePlaced), nameof(SliceEnded),
            nameof(TransferredToVault), nameof(TransferredToFund), nameof(AdlExecuted), nameof(AdlExecuted), nameof(LiquidationCompleted),
        ]);
        var toVault = events.OfType<TransferredToVault>().Single();
        toVault.Size.ShouldBe(657_894m);                 // floor(50 000 / (0.10 − 0.024)) whole JELLY
        toVault.BankruptcyPrice.ShouldBe(0.024m);
        toVault.LossTaken.ShouldBe(49_999.944m);
        toVault.LossTaken.ShouldBeLessThanOrEqualTo(Mandate.DefaultMarketLossCap);
        toVault.Reason.ShouldContain("the rest goes to the insurance fund");
        var toFund = events.OfType<TransferredToFund>().Single();
        toFund.Size.ShouldBe(1_315_789m);                // the fund's own $100k cap for a thin market
        toFund.LossCovered.ShouldBe(99_999.964m);
        var adl = events.OfType<AdlExecuted>().ToList();
        adl.Sum(a => a.Size).ShouldBe(10_000_000m - 657_894m - 1_315_789m);
        adl[0].CounterpartyAccountId.ShouldBe("acct-pumper");   // the pumper's own long gives back first
        var completed = events.OfType<LiquidationCompleted>().Single();
        (completed.TakenByVault, completed.TakenByFund, completed.UncoveredLoss).ShouldBe((657_894m, 1_315_789m, 0m));
        state.Active.ShouldBeNull();

        // The vault's books: LPs had $1M in; the takeover is a short at the bankruptcy price, valued at the pumped mark.
        var rules = Rules(r => r with { VaultId = "hlp" });
        var vault = Apply(VaultState.Empty("hlp"), VaultBook.Deposit(VaultState.Empty("hlp"), rules, "lp-1", 1_000_000m, "dep-1", NoMarks, T0));
        var taken = VaultBook.OnTakeover(vault, rules, Takeover(toVault)).OfType<BackstopTakenOver>().Single();
        vault = Apply(vault, [taken]);
        var nav = VaultBook.Nav(vault, Marks((Jelly, 0.10m)), T0.AddSeconds(1));

        taken.LossAtMark.ShouldBe(49_999.944m);
        (1_000_000m - nav.Nav).ShouldBe(49_999.944m);
        nav.SharePrice.ShouldBeGreaterThanOrEqualTo(0.95m);  // the cap is 5% of this vault: LPs lose at most that
        vault.Positions[Jelly].Size.ShouldBe(-657_894m);
        vault.BackstopLosses[Jelly].ShouldBe(49_999.944m);
    }

    [Fact]
    public void a_second_pump_of_the_same_market_the_same_day_finds_the_vaults_cap_used_and_goes_to_the_fund()
    {
        var (first, _) = Liquidate("acct-jelly", T0, new VaultBackstopState(), new InsuranceFundState { Balance = 5_000_000m });
        var vault = Book(new VaultBackstopState(), first, "liquidation-acct-jelly");
        vault.TotalLoss.ShouldBe(49_999.944m);

        var (second, _) = Liquidate("acct-jelly-2", T0.AddHours(2), vault, new InsuranceFundState { Balance = 5_000_000m });

        second.OfType<TransferredToVault>().ShouldBeEmpty();
        second.OfType<TransferredToFund>().ShouldHaveSingleItem();
        second.OfType<LiquidationCompleted>().Single().TakenByVault.ShouldBe(0m);

        // A day later the window has passed and the vault backstops the market again.
        var (nextDay, _) = Liquidate("acct-jelly-3", T0.AddHours(25), vault, new InsuranceFundState { Balance = 5_000_000m });
        nextDay.OfType<TransferredToVault>().Single().LossTaken.ShouldBe(49_999.944m);
    }

    [Fact]
    public void the_daily_cap_over_all_markets_bounds_the_vault_even_when_each_market_has_room()
    {
        var mandate = Mandate with { DailyLossCap = 60_000m };
        var vault = new VaultBackstopState().Capacity(mandate, T0);
        var state = LiquidationAccount.Empty("acct-jelly");
        state = LiquidationProcess.OnRisk(state, PumpedShort("acct-jelly", T0), Rules, _ => 0m).Aggregate(state, LiquidationProcess.Evolve);
        var slice = state.Active!.Markets[Jelly].Slice!.OrderId;
        state = LiquidationProcess.OnSliceEnd(state, new SliceEndInput(slice, Jelly, "cancelled:ioc-remainder", T0, Next("book-JELLY-PERP"))).Aggregate(state, LiquidationProcess.Evolve);
        var booked = new VaultBackstopState();
        booked = VaultBackstop.Evolve(booked, new VaultBackstopLossBooked("hlp", "acct-other", "acct-other:1", "BTC-PERP", 1m, 30_000m, T0, new LiquidationSource("liquidation-acct-other", 3)));

        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), Rules, booked.Capacity(mandate, T0.AddSeconds(1)), new FundCapacity(1_000_000m, _ => 100_000m), _ => Longs, _ => 0m);

        vault.DailyLossLeft.ShouldBe(60_000m);
        var toVault = events.OfType<TransferredToVault>().Single();
        toVault.LossTaken.ShouldBeLessThanOrEqualTo(30_000m);   // 60k a day, 30k already lost on BTC-PERP
        toVault.Size.ShouldBe(394_736m);
        toVault.DailyLossLeft.ShouldBeLessThan(0.1m);
    }

    [Fact]
    public void with_no_vault_mandate_liquidation_goes_from_the_book_to_the_fund_as_before()
    {
        var state = LiquidationAccount.Empty("acct-jelly");
        state = LiquidationProcess.OnRisk(state, PumpedShort("acct-jelly", T0), Rules, _ => 0m).Aggregate(state, LiquidationProcess.Evolve);
        var slice = state.Active!.Markets[Jelly].Slice!.OrderId;
        state = LiquidationProcess.OnSliceEnd(state, new SliceEndInput(slice, Jelly, "cancelled:ioc-remainder", T0, Next("book-JELLY-PERP"))).Aggregate(state, LiquidationProcess.Evolve);

        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), Rules, new FundCapacity(1_000_000m, _ => 100_000m), _ => Longs, _ => 0m);

        events.OfType<TransferredToVault>().ShouldBeEmpty();
        events.OfType<TransferredToFund>().Single().Size.ShouldBe(1_315_789m);
    }

    [Fact]
    public void a_takeover_is_never_larger_than_the_vaults_notional_limit()
    {
        var mandate = Mandate with { MaxTakeoverNotional = 10_000m };
        var (events, _) = LiquidateWith(mandate);

        events.OfType<TransferredToVault>().Single().Size.ShouldBe(100_000m);   // $10k at the 0.10 mark
    }

    private static (List<object> Events, LiquidationAccount State) LiquidateWith(VaultBackstopRules mandate)
    {
        var state = LiquidationAccount.Empty("acct-jelly");
        state = LiquidationProcess.OnRisk(state, PumpedShort("acct-jelly", T0), Rules, _ => 0m).Aggregate(state, LiquidationProcess.Evolve);
        var slice = state.Active!.Markets[Jelly].Slice!.OrderId;
        state = LiquidationProcess.OnSliceEnd(state, new SliceEndInput(slice, Jelly, "cancelled:ioc-remainder", T0, Next("book-JELLY-PERP"))).Aggregate(state, LiquidationProcess.Evolve);
        var events = LiquidationProcess.Advance(state, T0.AddSeconds(1), Rules, new VaultBackstopState().Capacity(mandate, T0), new FundCapacity(1_000_000m, _ => 100_000m), _ => Longs, _ => 0m);
        return ([.. events], events.Aggregate(state, LiquidationProcess.Evolve));
    }
}
