using Clearing.Cli.Commands.Simulate;
using Clearing.Contracts;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Google.Protobuf;

namespace Clearing.Cli.Tests;

/// <summary>
/// The demo's fills-booked invariant: margin skipping fills (a consumer that fell off the broker's log) leaves every
/// money invariant balanced, so the report must compare what matching published with what margin booked.
/// </summary>
public sealed class FillsBookedInvariantTests : IDisposable
{
    // Nothing listens here: the observer is fed directly, its consumer never connects.
    private readonly TopicObserver _observer = new("127.0.0.1:9", new SimulationStats());
    private long _ledgerSequence;
    private long _matchingSequence;

    [Fact]
    public void fills_whose_fees_are_on_the_ledger_pass()
    {
        Fill("BTC-PERP:1", taker: "acct-4", takerFee: "0.25", maker: "acct-1", makerFee: "-0.05");
        Fill("BTC-PERP:2", taker: "acct-5", takerFee: "0.10", maker: "acct-2", makerFee: "0");
        Booked(LedgerEntryKind.TradingFee, "BTC-PERP:1", "acct-4", 0.25m);
        Booked(LedgerEntryKind.FeeRebate, "BTC-PERP:1", "acct-1", -0.05m);
        Booked(LedgerEntryKind.TradingFee, "BTC-PERP:2", "acct-5", 0.10m);

        var verdict = SimulationReport.FillsBookedByMargin(_observer);

        verdict.Ok.ShouldBeTrue(verdict.Detail);
        verdict.Detail.ShouldStartWith("3 fee-carrying fill side(s)");
        _observer.UnbookedFillSides().ShouldBe(0);
    }

    [Fact]
    public void a_fill_margin_never_booked_fails_the_invariant_naming_it()
    {
        Fill("BTC-PERP:1", taker: "acct-4", takerFee: "0.25", maker: "acct-1", makerFee: "0");
        Fill("BTC-PERP:2", taker: "acct-5", takerFee: "0.10", maker: "acct-2", makerFee: "0");
        Booked(LedgerEntryKind.TradingFee, "BTC-PERP:1", "acct-4", 0.25m);

        var verdict = SimulationReport.FillsBookedByMargin(_observer);

        verdict.Ok.ShouldBeFalse();
        verdict.Detail.ShouldContain("1 of 2 fee-carrying fill side(s) (1 fill(s)) never reached margin's ledger, e.g. BTC-PERP:2 for acct-5");
        verdict.Detail.ShouldContain("CONSUMER GAP");
        _observer.UnbookedFillSides().ShouldBe(1);
    }

    [Fact]
    public void a_fee_booked_for_the_other_side_only_does_not_count_for_this_side()
    {
        Fill("ETH-PERP:7", taker: "acct-4", takerFee: "0.25", maker: "acct-1", makerFee: "0.01");
        Booked(LedgerEntryKind.TradingFee, "ETH-PERP:7", "acct-4", 0.25m);

        var verdict = SimulationReport.FillsBookedByMargin(_observer);

        verdict.Ok.ShouldBeFalse();
        verdict.Detail.ShouldContain("ETH-PERP:7 for acct-1");
    }

    [Fact]
    public void fills_without_any_fee_are_counted_as_unchecked_not_as_booked()
    {
        Fill("BTC-PERP:1", taker: "acct-4", takerFee: "0", maker: "acct-1", makerFee: "");

        var verdict = SimulationReport.FillsBookedByMargin(_observer);

        verdict.Ok.ShouldBeTrue();
        verdict.Detail.ShouldBe("0 fee-carrying fill side(s), each booked on the ledger under its fill id; 1 fill(s) carried no fee on either side and were not checked");
    }

    public void Dispose() => _observer.Dispose();

    private void Fill(string fillId, string taker, string takerFee, string maker, string makerFee)
    {
        var market = fillId[..fillId.IndexOf(':', StringComparison.Ordinal)];
        var e = new MatchingEvent
        {
            Market = market,
            Sequence = ++_matchingSequence,
            Fill = new Fill
            {
                FillId = fillId,
                Price = "100",
                Quantity = "1",
                TakerAccountId = taker,
                MakerAccountId = maker,
                TakerFee = takerFee,
                MakerFee = makerFee,
                FeeAsset = "USDC",
            },
        };
        _observer.Observe(Topics.MatchingEvents, e.ToByteArray(), 0);
    }

    /// <summary>A fee line as margin books it: the fee pool against the account (a rebate the other way round).</summary>
    private void Booked(LedgerEntryKind kind, string fillId, string account, decimal accountDebit)
    {
        var sequence = ++_ledgerSequence;
        var entry = new LedgerEntry
        {
            EntryId = $"account-{account}:{sequence}:0",
            Sequence = sequence,
            Kind = kind,
            Reference = fillId,
            Market = fillId[..fillId.IndexOf(':', StringComparison.Ordinal)],
            AccountId = account,
            Postings =
            {
                new Posting { AccountId = account, Asset = "USDC", Amount = (-accountDebit).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                new Posting { AccountId = "system:fee-pool", Asset = "USDC", Amount = accountDebit.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
        };
        _observer.Observe(Topics.MarginLedger, entry.ToByteArray(), 0);
        _observer.LedgerProblems.ShouldBeEmpty();
    }
}
