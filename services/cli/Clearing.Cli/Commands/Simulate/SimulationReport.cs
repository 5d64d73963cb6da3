using System.Globalization;
using System.Text.Json.Nodes;
using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>
/// The simulator's verdict: what was sent, what the system did, and the four invariants a clearinghouse must keep —
/// the ledger balances, money is conserved (Σ balances + insurance fund + fee pool = deposits − withdrawals), no account
/// has negative equity that nobody recorded, and every order the gateway accepted reached matching — plus every fill
/// published exactly once and booked by margin.
/// </summary>
internal static class SimulationReport
{
    public static JsonObject Build(Scenario scenario, int seed, TimeSpan elapsed, SimulationStats stats, TopicObserver observed,
        IReadOnlyDictionary<string, decimal> equities, IReadOnlyList<PublisherClient> publishers)
    {
        var ledgerBalanced = LedgerBalanced(observed);
        var conserved = MoneyConserved(observed, stats);
        var negative = NoUnrecordedNegativeEquity(observed, equities);
        var accounted = EveryAcceptedOrderAccountedFor(observed, stats);
        var exactlyOnce = FillsExactlyOnce(observed);
        var booked = FillsBookedByMargin(observed);
        var latencies = observed.OrderToFillMillis.Order().ToList();

        return new JsonObject
        {
            ["scenario"] = scenario.Name,
            ["seed"] = seed,
            ["seconds"] = Math.Round(elapsed.TotalSeconds, 1),
            ["orders"] = new JsonObject
            {
                ["commandsSent"] = stats.CommandsSent,
                ["ordersPlaced"] = stats.OrdersPlaced,
                ["accepted"] = stats.CommandsAccepted,
                ["refused"] = stats.CommandsRefused,
                // Refused because the stack was behind (gateway backpressure), not because of the order: load, not a bad order.
                ["refusedForBackpressure"] = stats.RefusedForBackpressure,
                ["refusedByRule"] = new JsonObject(stats.RefusalsByRule.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                ["perSecond"] = Math.Round(stats.CommandsSent / Math.Max(elapsed.TotalSeconds, 1e-9), 1),
                ["rejectedByMatching"] = observed.MatchingRejected,
            },
            ["takers"] = new JsonObject
            {
                // The load test's answer: orders offered per second while the takers ran, and how many the stack accepted.
                ["offeredPerSecond"] = Math.Round(stats.OfferWindow.Offered / Math.Max(stats.OfferWindow.Seconds, 1e-9), 1),
                ["acceptedPerSecond"] = Math.Round(stats.OfferWindow.Accepted / Math.Max(stats.OfferWindow.Seconds, 1e-9), 1),
                ["offered"] = stats.OfferWindow.Offered,
                ["accepted"] = stats.OfferWindow.Accepted,
                ["refusedForBackpressure"] = stats.OfferWindow.Backpressured,
                ["backpressureBy"] = new JsonObject(stats.BackpressureBy.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
                ["lastBackpressure"] = stats.LastBackpressure,
                ["seconds"] = Math.Round(stats.OfferWindow.Seconds, 1),
                ["batched"] = scenario.TakerBatch,
            },
            ["fills"] = observed.Fills,
            ["filledNotional"] = Text(observed.FilledNotional),
            ["orderToFillMillis"] = new JsonObject
            {
                ["count"] = latencies.Count,
                ["p50"] = Percentile(latencies, 0.50),
                ["p99"] = Percentile(latencies, 0.99),
                // Where the time goes: send → gateway reply, gateway accept → matching's fill record, → this consumer.
                // sendLag is not a stage of order→fill (which starts at the actual send): how late the generator sent.
                ["stages"] = new JsonObject
                {
                    ["sendLag"] = Summary(stats.TakerSendLagMillis),
                    ["reply"] = Summary(stats.TakerReplyMillis),
                    ["acceptedToMatched"] = Summary(observed.AcceptedToMatchedMillis),
                    ["matchedToObserved"] = Summary(observed.MatchedToObservedMillis),
                },
            },
            ["priceToRiskEventMillis"] = Summary(observed.PriceToRiskEventMillis),
            ["riskEvents"] = Counts(observed.RiskEvents),
            ["liquidations"] = new JsonObject
            {
                ["accounts"] = observed.LiquidatedAccounts.Count,
                ["events"] = Counts(observed.LiquidationEvents),
                ["uncoveredLoss"] = Text(observed.UncoveredLoss),
            },
            ["insuranceFund"] = Text(observed.Ledger.Balance(LedgerAccounts.InsuranceFund, "USDC")),
            ["feePool"] = Text(observed.Ledger.Balance(LedgerAccounts.FeePool, "USDC")),
            ["funding"] = new JsonObject(observed.FundingRates.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonObject
            {
                ["rates"] = p.Value.Count,
                ["last"] = Text(p.Value[^1]),
                ["signFlips"] = p.Value.Zip(p.Value.Skip(1)).Count(pair => Math.Sign(pair.First) * Math.Sign(pair.Second) < 0),
            }))),
            ["oracle"] = new JsonObject
            {
                ["accepted"] = publishers.Sum(p => p.Summary?.Accepted ?? 0),
                ["refused"] = publishers.Sum(p => p.Summary?.Refused ?? 0),
                ["refusals"] = new JsonArray(publishers.SelectMany(p => p.Summary?.Refusals ?? []).GroupBy(r => r.Reason)
                    .Select(g => (JsonNode)new JsonObject { ["reason"] = g.Key, ["count"] = g.Count() }).ToArray()),
            },
            ["ledger"] = new JsonObject
            {
                ["entries"] = observed.Ledger.LastSequence,
                ["accounts"] = observed.Ledger.AccountCount,
            },
            ["invariants"] = new JsonObject
            {
                ["ok"] = ledgerBalanced.Ok && conserved.Ok && negative.Ok && accounted.Ok && exactlyOnce.Ok && booked.Ok,
                ["ledgerBalanced"] = ledgerBalanced.ToJson(),
                ["moneyConserved"] = conserved.ToJson(),
                ["noUnrecordedNegativeEquity"] = negative.ToJson(),
                ["everyAcceptedOrderAccountedFor"] = accounted.ToJson(),
                ["fillsExactlyOnce"] = exactlyOnce.ToJson(),
                ["fillsBookedByMargin"] = booked.ToJson(),
            },
        };
    }

    internal sealed record Verdict(bool Ok, string Detail)
    {
        public JsonObject ToJson() => new() { ["ok"] = Ok, ["detail"] = Detail };
    }

    internal static Verdict LedgerBalanced(TopicObserver observed)
    {
        var book = observed.Ledger;
        var problems = observed.LedgerProblems.Concat(LedgerInvariants.Check(book)).ToList();
        if (book.OpenGap is { } gap)
        {
            problems.Add($"ledger sequences {gap.From}..{gap.To} never arrived");
        }
        problems.AddRange(book.SumByAsset.Where(p => p.Value != 0m).Select(p => $"{p.Key}: postings sum to {Text(p.Value)}, not 0"));
        return problems.Count == 0
            ? new Verdict(true, $"{book.LastSequence} entries, every asset sums to 0")
            : new Verdict(false, string.Join("; ", problems.Take(10)));
    }

    /// <summary>Per asset: Σ of every account except the outside world equals what came in minus what went out.</summary>
    internal static Verdict MoneyConserved(TopicObserver observed, SimulationStats stats)
    {
        var book = observed.Ledger;
        var problems = new List<string>();
        var details = new List<string>();
        foreach (var asset in book.Assets.Order(StringComparer.Ordinal))
        {
            var external = book.Balance(LedgerAccounts.External, asset);
            var inside = book.Accounts.Where(a => a.AccountId != LedgerAccounts.External).Sum(a => a.Find(asset)?.Balance ?? 0m);
            var net = -external;
            var fund = book.Balance(LedgerAccounts.InsuranceFund, asset);
            var fees = book.Balance(LedgerAccounts.FeePool, asset);
            details.Add($"{asset}: deposits−withdrawals {Text(net)} = balances {Text(inside - fund - fees)} + insurance fund {Text(fund)} + fee pool {Text(fees)}");
            if (inside != net)
            {
                problems.Add($"{asset}: inside {Text(inside)} ≠ deposits−withdrawals {Text(net)}");
            }
        }
        var missing = stats.DepositReferences.Keys.Where(reference => !book.Accounts.Any(a => a.Lines.Any(l => l.Movements.Any(m => m.Reference == reference)))).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"{missing.Count} deposit(s) the simulator made are not in the ledger, e.g. {missing[0]}");
        }
        return problems.Count == 0 ? new Verdict(true, string.Join("; ", details)) : new Verdict(false, string.Join("; ", problems));
    }

    /// <summary>Negative equity is allowed only where the system said so: a bankruptcy risk event and a liquidation.</summary>
    internal static Verdict NoUnrecordedNegativeEquity(TopicObserver observed, IReadOnlyDictionary<string, decimal> equities)
    {
        var unrecorded = equities.Where(e => e.Value < 0m && !(observed.BankruptAccounts.ContainsKey(e.Key) && observed.LiquidatedAccounts.ContainsKey(e.Key)))
            .Select(e => $"{e.Key} equity {Text(e.Value)}").ToList();
        var negative = equities.Count(e => e.Value < 0m);
        return unrecorded.Count == 0
            ? new Verdict(true, $"{equities.Count} accounts checked, {negative} negative, each recorded as bankrupt and liquidated")
            : new Verdict(false, "negative equity nobody recorded: " + string.Join(", ", unrecorded));
    }

    internal static Verdict EveryAcceptedOrderAccountedFor(TopicObserver observed, SimulationStats stats)
    {
        var missing = stats.AcceptedCommands.Keys.Where(id => !observed.CommandsSeen.ContainsKey(id)).ToList();
        return missing.Count == 0
            ? new Verdict(true, $"{stats.AcceptedCommands.Count} accepted commands, each answered by matching")
            : new Verdict(false, $"{missing.Count} accepted command(s) never reached matching, e.g. {missing[0]}");
    }

    /// <summary>No fill id twice and no hole in any market's event sequence: nothing lost or doubled, even across a kill -9.</summary>
    internal static Verdict FillsExactlyOnce(TopicObserver observed)
    {
        var problems = observed.SequenceGaps.Take(5).ToList();
        if (observed.DuplicateFills > 0)
        {
            problems.Add($"{observed.DuplicateFills} fill(s) published twice");
        }
        return problems.Count == 0
            ? new Verdict(true, $"{observed.Fills} fills, no duplicate id, no sequence gap in any market")
            : new Verdict(false, string.Join("; ", problems));
    }

    /// <summary>
    /// Every fill matching published was booked by margin: each side that carries a fee has its fee (or rebate) line on
    /// the ledger under the fill id. A consumer that skipped fills — or stopped at records the broker deleted — shows
    /// here, where the money invariants cannot see it (a skipped fill moves no money, so everything still balances).
    /// </summary>
    internal static Verdict FillsBookedByMargin(TopicObserver observed)
    {
        var sides = observed.FeeCarryingFillSides;
        var missing = sides.Where(side => !observed.FeeBookings.Contains(side)).ToList();
        var notChecked = observed.FeelessFills > 0 ? $"; {observed.FeelessFills} fill(s) carried no fee on either side and were not checked" : string.Empty;
        if (missing.Count == 0)
        {
            return new Verdict(true, $"{sides.Count} fee-carrying fill side(s), each booked on the ledger under its fill id{notChecked}");
        }

        var fills = missing.Select(m => m.FillId).Distinct(StringComparer.Ordinal).Count();
        return new Verdict(false,
            $"{missing.Count} of {sides.Count} fee-carrying fill side(s) ({fills} fill(s)) never reached margin's ledger, e.g. {missing[0].FillId} for {missing[0].AccountId}: " +
            $"margin skipped or has not yet booked them (look for CONSUMER GAP in its log, or its /health/ready){notChecked}");
    }

    private static JsonObject Counts(IEnumerable<KeyValuePair<string, long>> counts) =>
        new(counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));

    private static JsonObject Summary(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return new JsonObject { ["count"] = sorted.Count, ["p50"] = Percentile(sorted, 0.50), ["p99"] = Percentile(sorted, 0.99) };
    }

    private static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)], 2);

    private static string Text(decimal value) => TraderClient.Text(value);
}
