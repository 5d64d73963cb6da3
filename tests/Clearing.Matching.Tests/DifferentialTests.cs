using System.Text;
using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Reference;
using Clearing.Matching.Tests.Support;
using Xunit.Abstractions;

namespace Clearing.Matching.Tests;

/// <summary>The fast engine against the reference engine on seeded random flows: every event and every state hash must agree.</summary>
public sealed class DifferentialTests(ITestOutputHelper output)
{
    private const int Seeds = 40;
    private const int CommandsPerSeed = 4_500;

    [Fact]
    public void fast_and_reference_engines_emit_identical_events_on_over_100k_random_orders()
    {
        var places = 0;
        var events = 0L;
        var fills = 0L;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var generator = FlowGenerator.FromSeed(seed);
            var commands = generator.Take(CommandsPerSeed);
            places += generator.Places;
            var (emitted, filled) = Compare(seed, commands);
            events += emitted;
            fills += filled;
        }
        output.WriteLine($"{Seeds} seeds, {Seeds * CommandsPerSeed} commands, {places} orders placed, {events} events, {fills} fills");
        places.ShouldBeGreaterThanOrEqualTo(100_000);
        fills.ShouldBeGreaterThan(places / 10, "the flows must actually trade");
    }

    [Fact]
    public void a_narrow_price_window_with_overflow_levels_still_matches_the_reference()
    {
        for (var seed = 1_000; seed < 1_012; seed++)
        {
            Compare(seed, FlowGenerator.FromSeed(seed).Take(CommandsPerSeed), priceLadderSpan: 64);
        }
    }

    [Fact]
    public void flows_exercise_every_event_and_reason()
    {
        var seen = new HashSet<string>();
        for (var seed = 0; seed < 10; seed++)
        {
            var engine = new MatchingEngine(FlowGenerator.Config());
            var buffer = new EventBuffer();
            foreach (var command in FlowGenerator.FromSeed(seed).Take(CommandsPerSeed))
            {
                buffer.Clear();
                engine.Process(command, buffer);
                foreach (var e in buffer.AsSpan())
                {
                    seen.Add(e.Kind.ToString());
                    seen.Add(e.Kind switch
                    {
                        EventKind.Rejected => "reject:" + e.RejectReason,
                        EventKind.Cancelled => "cancel:" + e.CancelReason,
                        EventKind.Amended => "amend:" + e.KeptPriority,
                        _ => "",
                    });
                }
            }
        }
        string[] required =
        [
            "Accepted", "Rejected", "Rested", "Filled", "Cancelled", "Amended", "Triggered", "MarketStatusChanged", "ProtectionTriggered",
            "amend:True", "amend:False",
            .. new[]
            {
                CancelReason.UserRequested, CancelReason.MassCancel, CancelReason.ImmediateOrCancel, CancelReason.FillOrKill,
                CancelReason.PostOnlyWouldCross, CancelReason.SelfTradePrevention, CancelReason.ReduceOnly, CancelReason.Expired,
                CancelReason.InstrumentExpired, CancelReason.MarketMakerProtection,
            }.Select(r => "cancel:" + r),
            .. new[]
            {
                RejectReason.DuplicateOrderId, RejectReason.NotResting, RejectReason.NotOwner, RejectReason.NonPositiveQuantity,
                RejectReason.NonPositivePrice, RejectReason.AboveMaxSize, RejectReason.MarketHalted, RejectReason.ReduceOnlyNoPosition,
                RejectReason.ExpiryInPast, RejectReason.InvalidOrder, RejectReason.PostOnlyWouldCross, RejectReason.PriceOutsideBand,
                RejectReason.ProtectionFrozen, RejectReason.InvalidStatusTransition, RejectReason.UnknownTier,
            }.Select(r => "reject:" + r),
        ];
        required.Where(r => !seen.Contains(r)).ShouldBeEmpty();
    }

    private static (long Events, long Fills) Compare(int seed, EngineCommand[] commands, int priceLadderSpan = 1 << 20)
    {
        var fast = new MatchingEngine(FlowGenerator.Config(priceLadderSpan: priceLadderSpan));
        var reference = new ReferenceEngine(FlowGenerator.Config());
        var fastEvents = new EventBuffer();
        var referenceEvents = new EventBuffer();
        long events = 0, fills = 0;
        for (var i = 0; i < commands.Length; i++)
        {
            fastEvents.Clear();
            referenceEvents.Clear();
            fast.Process(commands[i], fastEvents);
            reference.Process(commands[i], referenceEvents);
            if (!fastEvents.AsSpan().SequenceEqual(referenceEvents.AsSpan()))
            {
                throw new InvalidOperationException(Describe(seed, i, commands, fastEvents, referenceEvents));
            }
            events += fastEvents.Count;
            foreach (var e in fastEvents.AsSpan())
            {
                fills += e.Kind == EventKind.Filled ? 1 : 0;
            }
            if (i % 250 == 0 && fast.StateHash() != reference.StateHash())
            {
                throw new InvalidOperationException($"seed {seed}: state hashes differ after command {i}: {commands[i].Kind}");
            }
        }
        fast.StateHash().ShouldBe(reference.StateHash(), $"seed {seed}: final state hash");
        for (var m = 0; m < fast.Config.Instruments.Count; m++)
        {
            fast.Book(m).Bids.ShouldBe(reference.Book(m).Bids, $"seed {seed} market {m} bids");
            fast.Book(m).Asks.ShouldBe(reference.Book(m).Asks, $"seed {seed} market {m} asks");
            fast.Book(m).Conditionals.ShouldBe(reference.Book(m).Conditionals, $"seed {seed} market {m} conditionals");
        }
        return (events, fills);
    }

    private static string Describe(int seed, int index, EngineCommand[] commands, EventBuffer fast, EventBuffer reference)
    {
        var text = new StringBuilder($"seed {seed}: events differ at command {index}\n");
        for (var i = Math.Max(0, index - 8); i <= index; i++)
        {
            var c = commands[i];
            text.AppendLine($"  [{i}] {c.Kind} t={c.Timestamp} m={c.Market} id={c.OrderId} acct={c.Account} {c.Side} {c.Type} {c.TimeInForce} {c.Flags} {c.Stp} p={c.Price} q={c.Quantity} trig={c.TriggerPrice} exp={c.ExpireAt} status={c.Status}");
        }
        text.AppendLine("fast:");
        foreach (var e in fast.AsSpan())
        {
            text.AppendLine("  " + e);
        }
        text.AppendLine("reference:");
        foreach (var e in reference.AsSpan())
        {
            text.AppendLine("  " + e);
        }
        return text.ToString();
    }
}
