using System.Text;
using System.Text.Json.Nodes;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Outbox;

namespace Clearing.Cli.Commands.Replay;

/// <summary>
/// What `clearing replay` knows about one service: how to fold its aggregates (time travel), which read models it can
/// rebuild from the store and compare with the live ones, and how its stored events become public messages. A service
/// without a module still gets event listings, raw republishing and throughput.
/// </summary>
internal interface IReplayModule
{
    string Service { get; }

    /// <summary>The aggregate state after <paramref name="events"/> (one stream, in order), or null for a stream this module does not fold.</summary>
    JsonNode? Fold(string streamId, IReadOnlyList<RecordedEvent> events);

    /// <summary>The streams <see cref="Fold"/> shows, as patterns (e.g. "liquidation-{account}"), so a message can say what to pass as --stream.</summary>
    IReadOnlyList<string> FoldedStreams => [];

    /// <summary>Fresh, empty projections to rebuild from the store's $all.</summary>
    IReadOnlyList<IReplayProjection> CreateProjections();

    /// <summary>The service's outbox translator, for republishing as the service itself would; null: raw only.</summary>
    IOutboxTranslator? Translator { get; }

    /// <summary>
    /// The event decoded for the projections, or null to let them decode it themselves. A rebuild calls this on its read
    /// stage (one thread, in store order) while the projections fold the previous batch on another, so decoding and
    /// folding overlap; the result is handed to <see cref="IReplayProjection.Apply(RecordedEvent, object?)"/>.
    /// </summary>
    object? Decode(RecordedEvent recorded) => null;
}

/// <summary>A read model rebuilt by folding every stored event in global order, then compared row by row with the live one.</summary>
internal interface IReplayProjection
{
    string Name { get; }

    void Apply(RecordedEvent recorded);

    /// <summary>Applies an event the module's read stage decoded already (<paramref name="decoded"/> null: decode it here).</summary>
    void Apply(RecordedEvent recorded, object? decoded) => Apply(recorded);

    /// <summary>Rebuilt rows, keyed as the live read model keys them.</summary>
    IReadOnlyDictionary<string, JsonNode> Rows { get; }

    /// <summary>The live rows (e.g. the service's state store), or null when no live source was given.</summary>
    Task<IReadOnlyDictionary<string, JsonNode>?> ReadLiveAsync(ReplaySources sources, CancellationToken cancellationToken);

    /// <summary>
    /// The rebuilt rows one at a time in ordinal key order, as JSON text, for writing into a fresh store and diffing as
    /// a merge; a projection with millions of rows overrides this so they are never all held, nor built as JSON trees.
    /// </summary>
    IEnumerable<ReplayRow> RowsInKeyOrder() => Rows.OrderBy(p => p.Key, StringComparer.Ordinal).Select(ReplayRow.Of);

    /// <summary>The live rows in ordinal key order, or null when no live source was given (see <see cref="RowsInKeyOrder"/>).</summary>
    async Task<IAsyncEnumerable<ReplayRow>?> ReadLiveInKeyOrderAsync(ReplaySources sources, CancellationToken cancellationToken)
    {
        var live = await ReadLiveAsync(sources, cancellationToken);
        return live?.OrderBy(p => p.Key, StringComparer.Ordinal).Select(ReplayRow.Of).ToAsyncEnumerable();
    }
}

/// <summary>
/// One read-model row: its key and its value as UTF-8 JSON text. A row sequence may reuse one buffer for every row's
/// <see cref="Json"/> (a million rows without a million arrays): it is valid until the sequence moves on, so a consumer
/// that keeps a row copies it.
/// </summary>
internal readonly record struct ReplayRow(string Key, ReadOnlyMemory<byte> Json)
{
    /// <summary>The row of a JSON tree, written as JsonNode.ToJsonString() writes it (the text every side compares).</summary>
    public static ReplayRow Of(KeyValuePair<string, JsonNode> row) => new(row.Key, Encoding.UTF8.GetBytes(row.Value.ToJsonString()));

    public string Text => Encoding.UTF8.GetString(Json.Span);

    public JsonNode Parse(string projection) =>
        JsonNode.Parse(Json.Span) ?? throw new InvalidDataException($"{projection}: row '{Key}' holds no JSON");
}

/// <summary>Where the live state of the service can be read: its data directory in embedded mode, and the store itself
/// (for projections the service keeps as streams, such as margin's ledger-main).</summary>
internal sealed record ReplaySources(DirectoryInfo? ServiceDataDirectory, IEventStore? Store = null);
