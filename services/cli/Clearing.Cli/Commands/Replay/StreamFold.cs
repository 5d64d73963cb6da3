using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Outbox;

namespace Clearing.Cli.Commands.Replay;

/// <summary>
/// One kind of stream a replay module folds for time travel: which stream ids it covers (<see cref="Pattern"/> is how an
/// error message names them, e.g. "liquidation-{account}") and how a stream's events become the aggregate's state.
/// </summary>
internal sealed record StreamFold(string Pattern, Func<string, bool> Covers, Func<string, IReadOnlyList<RecordedEvent>, JsonNode> Fold)
{
    /// <summary>Every stream "{category}-…".</summary>
    public static Func<string, bool> InCategory(string category) =>
        stream => stream.Length > category.Length + 1 && stream.StartsWith(category + "-", StringComparison.Ordinal);

    /// <summary>
    /// A stream folded exactly as the service's AggregateRepository folds it: from the definition's initial state through
    /// its Evolve, each stored event decoded by the service's serializer; the state is shown as the service snapshots it
    /// (the serializer's options, which are the service's source-generated JSON context).
    /// </summary>
    public static StreamFold Aggregate<TState>(string pattern, Func<string, bool> covers, AggregateDefinition<TState> definition, EventSerializer serializer) =>
        Aggregate(pattern, covers, _ => definition, serializer);

    /// <summary>As above, for a service whose initial state names the aggregate (its definition depends on the stream id).</summary>
    public static StreamFold Aggregate<TState>(string pattern, Func<string, bool> covers, Func<string, AggregateDefinition<TState>> definitionOf, EventSerializer serializer) =>
        new(pattern, covers, (stream, events) =>
        {
            var definition = definitionOf(stream);
            var state = definition.Initial;
            foreach (var recorded in events)
            {
                state = definition.Evolve(state, Decode(serializer, recorded));
            }
            return JsonSerializer.SerializeToNode(state, serializer.Options)
                ?? throw new InvalidOperationException($"{definition.Category}: the folded state serialized to nothing");
        });

    /// <summary>Decodes with the service's serializer; an event it cannot read names the stream, version and type.</summary>
    public static object Decode(EventSerializer serializer, RecordedEvent recorded)
    {
        try
        {
            return serializer.Deserialize(recorded);
        }
        catch (Exception ex) when (ex is JsonException or UnknownEventTypeException or NotSupportedException)
        {
            throw new InvalidDataException(
                $"{recorded.StreamId} v{recorded.StreamVersion}: stored event '{recorded.Type}' cannot be read by this build ({ex.Message})", ex);
        }
    }
}

/// <summary>
/// A module whose time travel is a list of <see cref="StreamFold"/>s and which rebuilds no read model: every service but
/// margin keeps its state in its aggregate streams (folded on demand), not in a state-store read model to diff.
/// </summary>
internal abstract class FoldingReplayModule : IReplayModule
{
    public abstract string Service { get; }

    public abstract IOutboxTranslator? Translator { get; }

    protected abstract IReadOnlyList<StreamFold> Folds { get; }

    /// <summary>The stream patterns folded, for messages that tell the operator which --stream to give.</summary>
    public IReadOnlyList<string> FoldedStreams => Folds.Select(f => f.Pattern).ToList();

    public JsonNode? Fold(string streamId, IReadOnlyList<RecordedEvent> events) =>
        Folds.FirstOrDefault(f => f.Covers(streamId)) is { } fold ? fold.Fold(streamId, events) : null;

    public IReadOnlyList<IReplayProjection> CreateProjections() => [];
}
