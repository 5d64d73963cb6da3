using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.Matching.Application;

/// <summary>
/// Trading on a market was halted by an emergency action. Stored in "halt-{market}", a small stream of its own:
/// the book stream has one writer (the sequencer), and a halt must land even while that writer is busy or stuck.
/// The book enforces it: the halt reaches the processor through <see cref="HaltFeed"/> (and, after a restart, by
/// re-reading this stream) and becomes a stored input of "book-{market}" that sets the market halted.
/// </summary>
[EventType("matching.market-halted.v1")]
public sealed record MarketHalted(string Market, string HaltedBy, string Reason, DateTimeOffset HaltedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MarketHalted))]
internal sealed partial class MatchingHostJsonContext : JsonSerializerContext;

/// <summary>The halt that is in force; <see cref="AlreadyHalted"/> when the market was halted before this call.</summary>
public sealed record HaltOutcome(Guid? EventId, long StreamVersion, bool AlreadyHalted);

/// <summary>Halts markets. Halting a halted market changes nothing and says so.</summary>
public sealed class MarketHalts(IEventStore store, TimeProvider time, HaltFeed feed)
{
    public const string StreamCategory = "halt";

    private static readonly EventSerializer Serializer = new(
        new EventTypeMap().Register<MarketHalted>(),
        new JsonSerializerOptions(MatchingHostJsonContext.Default.Options));

    public async Task<HaltOutcome> HaltAsync(string market, string haltedBy, string reason, CancellationToken cancellationToken)
    {
        var streamId = StreamName.For(StreamCategory, market);
        for (var attempt = 1; ; attempt++)
        {
            RecordedEvent? last = null;
            await foreach (var e in store.ReadStreamAsync(streamId, ReadDirection.Backward, -1, 1, cancellationToken))
            {
                last = e;
            }

            // A later "resumed" event type will end a halt; until it exists, the last event decides.
            if (last?.Type == "matching.market-halted.v1")
            {
                return new HaltOutcome(null, last.StreamVersion, AlreadyHalted: true);
            }

            var halt = new MarketHalted(market, haltedBy, reason, time.GetUtcNow());
            var data = Serializer.Serialize(halt);
            try
            {
                // Exact version: two operators halting at once produce one halt, and the second learns it was already done.
                var result = await store.AppendAsync(streamId, ExpectedVersion.From(last?.StreamVersion ?? -1), [data], cancellationToken);
                feed.Enqueue(market, ToInput(result.NextExpectedVersion, halt));
                return new HaltOutcome(data.EventId, result.NextExpectedVersion, AlreadyHalted: false);
            }
            catch (WrongExpectedVersionException) when (attempt < 3)
            {
                // Someone else wrote first: read again and decide again.
            }
        }
    }

    /// <summary>The halt in force for <paramref name="market"/> as a book input, or null when the market was never halted.</summary>
    public async Task<HaltInput?> CurrentAsync(string market, CancellationToken cancellationToken)
    {
        await foreach (var e in store.ReadStreamAsync(StreamName.For(StreamCategory, market), ReadDirection.Backward, -1, 1, cancellationToken))
        {
            if (e.Type == "matching.market-halted.v1")
            {
                return ToInput(e.StreamVersion, (MarketHalted)Serializer.Deserialize(e));
            }
        }
        return null;
    }

    private static HaltInput ToInput(long version, MarketHalted halt) =>
        new(version, InstrumentMapping.UnixNanos(halt.HaltedAt), halt.HaltedBy, halt.Reason);
}
