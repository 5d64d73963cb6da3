using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Domain.Process;

namespace Clearing.Cli.Tests;

/// <summary>`clearing replay liquidation` time travel over the insurance fund and a liquidation case, with liquidation's own events.</summary>
public sealed class ReplayLiquidationTests : IAsyncLifetime
{
    private const string Fund = "insurance-fund";
    private const string Case = "liquidation-acct-7";

    private readonly ReplayModuleStore _store = new("liquidation");
    private long _seeded;
    private long _feeCollected;
    private DateTimeOffset _beforePayout;
    private long _sliceFilled;

    public async Task InitializeAsync()
    {
        var serializer = LiquidationJsonContext.Serializer;
        var source = new MessageSource(Case, 0);
        _seeded = await _store.AppendAsync(Fund, serializer, new FundDeposited("seed-1", 1_000m, 1_000m, "ops", "seed the fund", _store.Now));
        _feeCollected = await _store.AppendAsync(Fund, serializer,
            new FundFeeCollected("acct-7", "liq-1", "BTC-PERP", "liq-1-1", 5.5m, 1_005.5m, _store.Now, source with { Sequence = 3 }));
        _beforePayout = _store.Now;
        await _store.AppendAsync(Fund, serializer,
            new FundTakeoverBooked("acct-7", "liq-1", "BTC-PERP", 0.5m, 40_000m, 39_400m, -300m, 705.5m, _store.Now, source with { Sequence = 4 }));

        await _store.AppendAsync(Case, serializer,
            new LiquidationStarted("acct-7", "liq-1", "BTC-PERP", _store.Now, 2m, 50_000m, 41_000m, 40_000m, 150m, 1_640m, 2m, 1m, false, "margin call", new MessageSource("account-acct-7", 12)),
            new SlicePlaced("acct-7", "liq-1", "BTC-PERP", "liq-1-1", "cmd-1", CloseSide.Sell, 1m, 40_500m, 41_000m, 40_000m, _store.Now, _store.Now.AddSeconds(5), _store.Now.AddSeconds(1)));
        _sliceFilled = await _store.AppendAsync(Case, serializer,
            new SliceFilled("acct-7", "liq-1", "BTC-PERP", "liq-1-1", "BTC-PERP:41", CloseSide.Sell, 1m, 40_600m, 5.5m, 1m, _store.Now, new MessageSource("matching-BTC-PERP", 41)));
        await _store.AppendAsync(Case, serializer,
            new LiquidationCompleted("acct-7", "liq-1", "BTC-PERP", 1m, 0.5m, 0m, 0m, 0m, 5.5m, Last: true, _store.Now));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task the_insurance_fund_shows_its_balance_before_and_after_a_takeover_payout()
    {
        var seeded = await _store.StateAsync(Fund, atVersion: _seeded);
        var beforePayout = await _store.StateAsync(Fund, atVersion: _feeCollected);
        var now = await _store.StateAsync(Fund);

        ReplayModuleStore.Decimal(seeded["balance"]).ShouldBe(1_000m);
        ReplayModuleStore.Decimal(beforePayout["balance"]).ShouldBe(1_005.5m);
        ReplayModuleStore.Decimal(beforePayout["totalFees"]).ShouldBe(5.5m);
        ReplayModuleStore.Decimal(beforePayout["totalPaidOut"]).ShouldBe(0m);
        ReplayModuleStore.Decimal(now["balance"]).ShouldBe(705.5m);
        ReplayModuleStore.Decimal(now["totalPaidOut"]).ShouldBe(300m);
        now["payouts"]!.AsArray().ShouldHaveSingleItem()!["market"]!.GetValue<string>().ShouldBe("BTC-PERP");
    }

    [Fact]
    public async Task the_insurance_fund_as_of_a_time_is_the_fund_before_the_events_after_it()
    {
        var (exit, output, _) = await _store.TimeTravelAsync(Fund, atTime: _beforePayout);

        exit.ShouldBe(0);
        output!["version"]!.GetValue<long>().ShouldBe(_feeCollected);
        ReplayModuleStore.Decimal(output["state"]!["balance"]).ShouldBe(1_005.5m);
    }

    [Fact]
    public async Task a_liquidation_case_shows_the_position_it_closed_in_the_book_and_ends_inactive()
    {
        var started = await _store.StateAsync(Case, atVersion: 1);
        var filled = await _store.StateAsync(Case, atVersion: _sliceFilled);
        var done = await _store.StateAsync(Case);

        started["accountId"]!.GetValue<string>().ShouldBe("acct-7");
        var market = started["active"]!["markets"]!["BTC-PERP"]!;
        ReplayModuleStore.Decimal(market["size"]).ShouldBe(2m);
        market["slice"]!["orderId"]!.GetValue<string>().ShouldBe("liq-1-1");
        var afterFill = filled["active"]!["markets"]!["BTC-PERP"]!;
        ReplayModuleStore.Decimal(afterFill["size"]).ShouldBe(1m);
        ReplayModuleStore.Decimal(afterFill["closedInBook"]).ShouldBe(1m);
        ReplayModuleStore.Decimal(afterFill["fees"]).ShouldBe(5.5m);
        done["active"].ShouldBeNull();
        done["liquidations"]!.GetValue<int>().ShouldBe(1);
    }

    [Fact]
    public async Task a_stream_of_another_category_lists_its_events_and_names_the_streams_liquidation_folds()
    {
        await _store.AppendAsync("other-1", LiquidationJsonContext.Serializer, new FundDeposited("x", 1m, 1m, "ops", "test", _store.Now));

        var (exit, output, error) = await _store.TimeTravelAsync("other-1");

        exit.ShouldBe(0);
        output!["history"]!.AsArray().Count.ShouldBe(1);
        error.ShouldContain("liquidation folds: insurance-fund, liquidation-{account}, positions-{market}, vaultbackstop-{vault}.");
    }

    [Fact]
    public async Task a_stream_without_events_is_an_error_that_names_the_streams_liquidation_folds()
    {
        var (exit, _, error) = await _store.TimeTravelAsync("liquidation-nobody");

        exit.ShouldBe(2);
        error.ShouldContain("stream 'liquidation-nobody' has no events");
        error.ShouldContain("liquidation folds: insurance-fund, liquidation-{account}");
    }

    [Fact]
    public async Task a_markets_positions_show_who_held_what_before_and_after_the_fund_took_a_position_over()
    {
        var serializer = LiquidationJsonContext.Serializer;
        var traded = await _store.AppendAsync("positions-BTC-PERP", serializer,
            new PositionFillApplied("BTC-PERP", "BTC-PERP:10", "acct-7", "acct-2", TakerBuys: true, 2m, 50_000m, new MessageSource("book-BTC-PERP", 10)));
        await _store.AppendAsync("positions-BTC-PERP", serializer,
            new PositionTransferApplied("BTC-PERP", "acct-7", "system:insurance-fund", FromSells: true, 0.5m, 40_000m, "fund takeover", new MessageSource(Case, 4)));

        var before = await _store.StateAsync("positions-BTC-PERP", atVersion: traded);
        var after = await _store.StateAsync("positions-BTC-PERP");

        before["market"]!.GetValue<string>().ShouldBe("BTC-PERP");
        ReplayModuleStore.Decimal(before["positions"]!["acct-7"]!["size"]).ShouldBe(2m);
        ReplayModuleStore.Decimal(before["positions"]!["acct-2"]!["size"]).ShouldBe(-2m);
        ReplayModuleStore.Decimal(after["positions"]!["acct-7"]!["size"]).ShouldBe(1.5m);
        ReplayModuleStore.Decimal(after["positions"]!["system:insurance-fund"]!["size"]).ShouldBe(0.5m);
    }

    [Fact]
    public async Task an_event_this_build_cannot_read_is_an_error_naming_its_stream_version_and_type()
    {
        await _store.AppendAsync("liquidation-acct-8", new Clearing.EventSourcing.EventData(Guid.NewGuid(), "liquidation.renamed.v9", 9, "{}"u8.ToArray()));

        var (exit, output, error) = await _store.TimeTravelAsync("liquidation-acct-8");

        exit.ShouldBe(2);
        output.ShouldBeNull();
        error.ShouldContain("cannot fold 'liquidation-acct-8' up to version 0");
        error.ShouldContain("liquidation-acct-8 v0: stored event 'liquidation.renamed.v9' cannot be read by this build");
    }

    [Fact]
    public async Task the_vault_backstop_adds_up_the_losses_the_vault_took_over_as_they_were_booked()
    {
        var serializer = LiquidationJsonContext.Serializer;
        var first = await _store.AppendAsync("vaultbackstop-hlp", serializer,
            new Clearing.Liquidation.Domain.Vault.VaultBackstopLossBooked("hlp", "acct-7", "liq-1", "BTC-PERP", 0.5m, 120m, _store.Now, new MessageSource(Case, 5)));
        await _store.AppendAsync("vaultbackstop-hlp", serializer,
            new Clearing.Liquidation.Domain.Vault.VaultBackstopLossBooked("hlp", "acct-9", "liq-2", "ETH-PERP", 2m, 80m, _store.Now, new MessageSource("liquidation-acct-9", 3)));

        var once = await _store.StateAsync("vaultbackstop-hlp", atVersion: first);
        var twice = await _store.StateAsync("vaultbackstop-hlp");

        ReplayModuleStore.Decimal(once["totalLoss"]).ShouldBe(120m);
        once["losses"]!.AsArray().Count.ShouldBe(1);
        ReplayModuleStore.Decimal(twice["totalLoss"]).ShouldBe(200m);
        twice["losses"]!.AsArray().Count.ShouldBe(2);
    }
}
