using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Fund;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Tests.Support;
using Xunit.Abstractions;

namespace Clearing.Liquidation.Tests.Simulation;

/// <summary>
/// A 30% crash over a minute, with leveraged longs, profitable shorts and a thin market maker, driving the pure domain
/// (no broker, no store). A small margin model plays margin (band crossings → risk events) and a small book plays
/// matching (IOC slices fill against thin bids). Every domain event is booked both ways in cash and size, so money is
/// conserved exactly, and the run must end with every loss covered or recorded.
/// </summary>
public sealed class CrashSimulationTests(ITestOutputHelper output)
{
    private const string Market = "BTC-PERP";
    private const decimal Maintenance = 0.03m;
    private const decimal Initial = 0.05m;
    private static readonly DateTimeOffset T0 = Given.T0;

    private sealed class Trader(string id, decimal cash)
    {
        public string Id { get; } = id;
        public decimal Cash { get; set; } = cash;
        public decimal Size { get; set; }
        public decimal EntryPrice { get; set; }
        public long RiskSequence { get; set; }
        public string Band { get; set; } = "healthy";
        public LiquidationAccount Liquidation { get; set; } = LiquidationAccount.Empty(id);
        public long StreamVersion { get; set; } = -1;
        public decimal Value(decimal mark) => Cash + (Size * mark);
    }

    [Fact]
    public void a_thirty_percent_crash_in_a_minute_ends_with_every_loss_covered_or_recorded_and_a_consistent_fund_history()
    {
        var rules = new LiquidationRules([new MarketRules
        {
            Market = Market, TickSize = 0.5m, LotSize = 0.001m, SliceCooldown = TimeSpan.FromSeconds(5), LargePositionNotional = 100_000m,
            FundPayoutCap = 3_000m,
        }]);
        var traders = new Dictionary<string, Trader>(StringComparer.Ordinal);
        var deposits = 0m;
        Trader Open(string id, decimal cash)
        {
            deposits += cash;
            return traders[id] = new Trader(id, cash);
        }

        var fundTrader = Open(LiquidationProcess.FundAccountId, 0m);
        var maker = Open("mm", 2_000_000m);
        // Leveraged longs from 5× to 25×, bought at 50 000 from the shorts and the maker.
        var longs = new (string Id, decimal Size, decimal Leverage)[] { ("L1", 1m, 25m), ("L2", 2m, 20m), ("L3", 4m, 12m), ("L4", 0.5m, 8m), ("L5", 3m, 5m), ("L6", 1.5m, 15m) };
        var shorts = new (string Id, decimal Size, decimal Leverage)[] { ("S1", 2m, 3m), ("S2", 1m, 10m), ("S3", 3m, 2m) };
        foreach (var (id, size, leverage) in longs)
        {
            Trade(Open(id, size * 50_000m / leverage), maker, size, 50_000m);
        }

        foreach (var (id, size, leverage) in shorts)
        {
            Trade(maker, Open(id, size * 50_000m / leverage), size, 50_000m);
        }

        var fund = new InsuranceFundState();
        fund = InsuranceFund.Deposit(fund, "seed", 2_000m, "treasury", "seed", T0).Aggregate(fund, InsuranceFund.Evolve);
        fundTrader.Cash += 2_000m;
        deposits += 2_000m;

        var allEvents = new List<object>();
        var fundEvents = new List<object> { new FundDeposited("seed", 2_000m, 2_000m, "treasury", "seed", T0) };
        var mark = 50_000m;
        for (var second = 0; second <= 180; second++)
        {
            var now = T0.AddSeconds(second);
            // 30% down over the first minute, with an 8% gap at 30 s that leaves the most leveraged bankrupt.
            mark = second switch
            {
                <= 60 => 50_000m - (15_000m * second / 60m) - (second >= 30 ? 4_000m * (60 - second) / 30m : 0m),
                _ => 35_000m,
            };
            mark = Math.Round(mark / 0.5m) * 0.5m;
            var bidDepth = second <= 60 ? 0.3m : 2m;   // thin during the crash, the book recovers after it

            foreach (var trader in traders.Values.Where(t => t.Size > 0 && !t.Id.StartsWith("system", StringComparison.Ordinal) && t.Id != "mm").ToList())
            {
                if (Risk(trader, now) is { } risk)
                {
                    Apply(trader, LiquidationProcess.OnRisk(trader.Liquidation, risk, rules, _ => OpenInterest()));
                }
            }

            foreach (var trader in traders.Values.Where(t => t.Liquidation.Active is not null).ToList())
            {
                Apply(trader, LiquidationProcess.Advance(trader.Liquidation, now, rules, fund.Capacity(rules, now), _ => Candidates(), _ => OpenInterest()));
            }

            Conserved();

            void Apply(Trader trader, IReadOnlyList<object> events)
            {
                foreach (var e in events)
                {
                    trader.Liquidation = LiquidationProcess.Evolve(trader.Liquidation, e);
                    trader.StreamVersion++;
                    allEvents.Add(e);
                    var fundDecided = InsuranceFund.OnLiquidationEvent(fund, e, new($"liquidation-{trader.Id}", trader.StreamVersion));
                    fund = fundDecided.Aggregate(fund, InsuranceFund.Evolve);
                    fundEvents.AddRange(fundDecided);
                    Book(trader, e);
                    if (e is SlicePlaced slice)
                    {
                        Apply(trader, Match(trader, slice, ref bidDepth, now));
                    }
                }
            }
        }

        // Nothing is left hanging.
        traders.Values.ShouldAllBe(t => t.Liquidation.Active == null);
        var completed = allEvents.OfType<LiquidationCompleted>().ToList();
        completed.ShouldNotBeEmpty();
        var toFund = allEvents.OfType<TransferredToFund>().ToList();
        var adl = allEvents.OfType<AdlExecuted>().ToList();
        output.WriteLine($"liquidations {completed.Count}, slices filled {allEvents.OfType<SliceFilled>().Count()}, to fund {toFund.Count}, ADL {adl.Count}, " +
                         $"uncovered {completed.Sum(c => c.UncoveredLoss)}, fund {fund.Balance}, paid out {fund.TotalPaidOut}, fees {fund.TotalFees}");
        allEvents.OfType<SliceFilled>().ShouldNotBeEmpty();
        toFund.ShouldNotBeEmpty();
        adl.ShouldNotBeEmpty();

        // Every loss covered or recorded: an account worth less than zero at the end has its uncovered loss on record.
        foreach (var trader in traders.Values.Where(t => t.Id != "mm" && t.Id != LiquidationProcess.FundAccountId))
        {
            if (trader.Value(mark) < 0)
            {
                fund.BankruptAccounts.ShouldContainKey(trader.Id, $"{trader.Id} ends at {trader.Value(mark)} without a recorded uncovered loss");
            }
        }

        fund.UncoveredLoss.ShouldBe(completed.Sum(c => c.UncoveredLoss));
        fund.WithdrawalsPaused.ShouldBe(fund.UncoveredLoss > 0);

        // The fund's balance history adds up, event by event, and never pays a market past its cap.
        var balance = 0m;
        foreach (var e in fundEvents)
        {
            (balance, var after) = e switch
            {
                FundDeposited d => (balance + d.Change, d.BalanceAfter),
                FundFeeCollected f => (balance + f.Change, f.BalanceAfter),
                FundTakeoverBooked t => (balance + t.Change, t.BalanceAfter),
                _ => (balance, balance),
            };
            after.ShouldBe(balance);
            balance.ShouldBeGreaterThanOrEqualTo(0m);
        }

        balance.ShouldBe(fund.Balance);
        fund.Balance.ShouldBe(2_000m + fund.TotalFees + toFund.Sum(t => t.FundChange));
        toFund.Sum(t => t.LossCovered).ShouldBeLessThanOrEqualTo(3_000m);
        Conserved();

        void Conserved()
        {
            traders.Values.Sum(t => t.Size).ShouldBe(0m);
            traders.Values.Sum(t => t.Cash).ShouldBe(deposits);
        }

        IReadOnlyList<AdlCandidate> Candidates() =>
            traders.Values.Where(t => t.Size != 0 && t.Id != LiquidationProcess.FundAccountId)
                .Select(t => new AdlCandidate(t.Id, t.Size, t.EntryPrice, t.Value(mark))).ToList();

        decimal OpenInterest() => traders.Values.Where(t => t.Size > 0).Sum(t => t.Size);

        // Plays margin: a risk event when an account crosses into liquidation or bankruptcy, and again when a finished
        // liquidation left it still below maintenance.
        RiskInput? Risk(Trader t, DateTimeOffset now)
        {
            var equity = t.Value(mark);
            var maintenance = Math.Abs(t.Size) * mark * Maintenance;
            var band = equity < 0 ? "bankrupt" : equity < maintenance ? "liquidation" : "healthy";
            var crossed = band != t.Band;
            t.Band = band;
            if (band == "healthy" || (!crossed && t.Liquidation.Active is not null))
            {
                return null;
            }

            var initial = Math.Abs(t.Size) * mark * Initial;
            var bankruptcy = -t.Cash / t.Size;
            return new RiskInput(t.Id, band == "bankrupt" ? RiskKind.Bankrupt : RiskKind.LiquidationRequired, now, equity, initial, maintenance, initial - equity,
                [new PositionRiskInput(Market, t.Size, t.EntryPrice, mark, maintenance, bankruptcy)], new($"account-{t.Id}", ++t.RiskSequence));
        }

        // Plays matching: an IOC sell fills against the thin bid just under the mark, if its limit allows.
        IReadOnlyList<object> Match(Trader t, SlicePlaced slice, ref decimal depth, DateTimeOffset now)
        {
            var bid = Math.Floor(mark * 0.998m / 0.5m) * 0.5m;
            var source = new MessageSource($"book-{Market}", allEvents.Count);
            var events = new List<object>();
            var quantity = slice.Side == CloseSide.Sell && bid >= slice.LimitPrice ? Math.Min(slice.Quantity, depth) : 0m;
            var state = t.Liquidation;
            if (quantity > 0)
            {
                depth -= quantity;
                var filled = LiquidationProcess.OnSliceFill(state, new SliceFillInput(slice.OrderId, Market, $"fill-{allEvents.Count}", quantity, bid, now, source), rules);
                events.AddRange(filled);
                state = filled.Aggregate(state, LiquidationProcess.Evolve);
            }

            if (quantity < slice.Quantity)
            {
                events.AddRange(LiquidationProcess.OnSliceEnd(state, new SliceEndInput(slice.OrderId, Market, "cancelled:ioc-remainder", now, source with { Sequence = source.Sequence + 1 })));
            }

            return events;
        }

        void Book(Trader t, object e)
        {
            switch (e)
            {
                case SliceFilled f:
                    Close(t, maker, f.Side, f.Quantity, f.Price);
                    t.Cash -= f.LiquidationFee;
                    fundTrader.Cash += f.LiquidationFee;
                    break;
                case TransferredToFund f:
                    Close(t, fundTrader, f.Side, f.Size, f.BankruptcyPrice);
                    break;
                case AdlExecuted a:
                    Close(t, traders[a.CounterpartyAccountId], a.Side, a.Size, a.Price);
                    break;
            }
        }

        void Close(Trader t, Trader other, CloseSide side, decimal quantity, decimal price)
        {
            if (side == CloseSide.Sell)
            {
                Trade(other, t, quantity, price);
            }
            else
            {
                Trade(t, other, quantity, price);
            }
        }
    }

    /// <summary>Buyer pays seller price × quantity; sizes move the other way. Zero-sum by construction.</summary>
    private static void Trade(Trader buyer, Trader seller, decimal quantity, decimal price)
    {
        Move(buyer, quantity, price);
        Move(seller, -quantity, price);
    }

    private static void Move(Trader t, decimal signed, decimal price)
    {
        var size = t.Size + signed;
        t.EntryPrice = t.Size == 0 || Math.Sign(t.Size) == Math.Sign(signed) ? (size == 0 ? 0m : ((t.Size * t.EntryPrice) + (signed * price)) / size)
            : Math.Sign(size) != Math.Sign(t.Size) && size != 0 ? price : t.EntryPrice;
        t.Cash -= signed * price;
        t.Size = size;
    }
}
