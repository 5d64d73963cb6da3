using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.Matching.Application;

/// <summary>
/// Trading on a market was halted by an emergency action. Stored in "halt-{market}", a small stream of its own:
/// the book stream has one writer (the sequencer), and a halt must land even while that writer is busy or stuck.
/// The order intake of the matching engine is what enforces it, by reading this stream (wired with the engine).
/// </summary>
[EventType("matching.market-halted.v1")]
public sealed record MarketHalted(string Market, string HaltedBy, string Reason, DateTimeOffset HaltedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MarketHalted))]
internal sealed partial class MatchingHostJsonContext : JsonSerializerContext;

/// <summary>The halt that is in force; <see cref="AlreadyHalted"/> when the market was halted before this call.</summary>
public sealed record HaltOutcome(Guid? EventId, long StreamVersion, bool AlreadyHalted);

/// <summary>Halts markets. Halting a halted market changes nothing and says so.</summary>
public sealed class MarketHalts(IEventStore store, TimeProvider time)
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

            var data = Serializer.Serialize(new MarketHalted(market, haltedBy, reason, time.GetUtcNow()));
            try
            {
                // Exact version: two operators halting at once produce one halt, and the second learns it was already done.
                var result = await store.AppendAsync(streamId, ExpectedVersion.From(last?.StreamVersion ?? -1), [data], cancellationToken);
                return new HaltOutcome(data.EventId, result.NextExpectedVersion, AlreadyHalted: false);
            }
            catch (WrongExpectedVersionException) when (attempt < 3)
            {
                // Someone else wrote first: read again and decide again.
            }
        }
    }
}
