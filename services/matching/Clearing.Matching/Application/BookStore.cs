using System.Security.Cryptography;
using System.Text;
using Clearing.Contracts.Matching.V1;
using Clearing.EventSourcing;
using Microsoft.Extensions.Logging;

namespace Clearing.Matching.Application;

/// <summary>Reads and writes the "book-{market}" streams: one stored event per processing batch, at an exact expected version.</summary>
public static class BookStore
{
    /// <summary>The snapshot type in the event store's snapshot table (its schema version is <see cref="MarketBook.SnapshotFormatVersion"/>).</summary>
    public const string SnapshotType = "matching.book-snapshot";

    /// <summary>Appends one batch where this writer last left the stream; returns the stream's new version.</summary>
    public static async Task<long> AppendAsync(IEventStore store, BookInputBatch batch, long expectedVersion, CancellationToken cancellationToken)
    {
        var stream = BookStreams.For(batch.Market);
        var data = BookStreams.Serializer.Serialize(batch);
        data = data with { EventId = EventIdFor(stream, expectedVersion + 1, data.Data.Span) };
        var result = await store.AppendAsync(stream, ExpectedVersion.From(expectedVersion), [data], cancellationToken);
        return result.NextExpectedVersion;
    }

    /// <summary>
    /// Stores the book as of <paramref name="streamVersion"/> (the last stored batch it has applied). The snapshot store keeps
    /// the newest per stream. Its data is text (the store keeps snapshots as text), so the binary snapshot goes in base64.
    /// </summary>
    public static async Task SaveSnapshotAsync(IEventStore store, MarketBook book, long streamVersion, CancellationToken cancellationToken)
    {
        var data = Encoding.ASCII.GetBytes(Convert.ToBase64String(book.SaveSnapshot()));
        await store.Snapshots.SaveAsync(new Snapshot(BookStreams.For(book.Market), streamVersion, SnapshotType, MarketBook.SnapshotFormatVersion, data), cancellationToken);
    }

    /// <summary>
    /// Rebuilds one book: from its latest usable snapshot plus the stream's tail, or from the stream's start when there is
    /// no snapshot, when it cannot be read (damaged, another format, other settings — logged as a warning, never silently),
    /// or when it is past <paramref name="publishedSequence"/> (the events between must be regenerated for publishing).
    /// Hands each replayed batch's regenerated events to <paramref name="replayed"/>. Returns the stream version
    /// (-1 when the book has no stream yet) and the stream version of the snapshot used (-1 for none).
    /// </summary>
    public static async Task<(long Version, long SnapshotVersion)> RestoreAsync(IEventStore store, MatchingPipeline pipeline, string market,
        long publishedSequence, ILogger logger, Action<BookInputBatch, List<MatchingEvent>>? replayed, CancellationToken cancellationToken)
    {
        var stream = BookStreams.For(market);
        var from = -1L;
        var snapshot = await store.Snapshots.LoadAsync(stream, cancellationToken);
        if (snapshot is not null)
        {
            var book = TryRestore(pipeline, market, snapshot, logger);
            if (book is not null && book.Sequence > publishedSequence)
            {
                logger.LogWarning("{Stream}: snapshot at sequence {Sequence} is ahead of the last published sequence {Published}; replaying the whole stream to republish the events between",
                    stream, book.Sequence, publishedSequence);
            }
            else if (book is not null)
            {
                pipeline.Restore(book);
                from = snapshot.StreamVersion;
            }
        }
        var version = from;
        var events = new List<MatchingEvent>();
        await foreach (var recorded in store.ReadStreamAsync(stream, ReadDirection.Forward, from + 1, cancellationToken: cancellationToken))
        {
            var batch = (BookInputBatch)BookStreams.Serializer.Deserialize(recorded);
            events.Clear();
            pipeline.Replay(batch, events);
            replayed?.Invoke(batch, events);
            version = recorded.StreamVersion;
        }
        if (from >= 0 && version == from && await store.GetStreamVersionAsync(stream, cancellationToken) < from)
        {
            throw new InvalidOperationException($"{stream}: a snapshot at version {from} exists but the stream ends before it; the store lost events");
        }
        return (version, from);
    }

    /// <summary>Rebuilds one book by replaying its whole stream (no snapshot): the reference a snapshot restore must equal.</summary>
    public static async Task<long> ReplayAsync(IEventStore store, MatchingPipeline pipeline, string market,
        Action<BookInputBatch, List<MatchingEvent>>? replayed, CancellationToken cancellationToken)
    {
        var version = -1L;
        var events = new List<MatchingEvent>();
        await foreach (var recorded in store.ReadStreamAsync(BookStreams.For(market), ReadDirection.Forward, 0, cancellationToken: cancellationToken))
        {
            var batch = (BookInputBatch)BookStreams.Serializer.Deserialize(recorded);
            events.Clear();
            pipeline.Replay(batch, events);
            replayed?.Invoke(batch, events);
            version = recorded.StreamVersion;
        }
        return version;
    }

    private static MarketBook? TryRestore(MatchingPipeline pipeline, string market, Snapshot snapshot, ILogger logger)
    {
        if (snapshot.Type != SnapshotType || snapshot.SchemaVersion != MarketBook.SnapshotFormatVersion)
        {
            logger.LogWarning("{Stream}: ignoring snapshot of type {Type} v{Version} (this build reads {Expected} v{ExpectedVersion}); replaying the whole stream",
                snapshot.StreamId, snapshot.Type, snapshot.SchemaVersion, SnapshotType, MarketBook.SnapshotFormatVersion);
            return null;
        }
        try
        {
            var bytes = Convert.FromBase64String(Encoding.ASCII.GetString(snapshot.Data.Span));
            var current = pipeline.Book(market);
            return MarketBook.RestoreSnapshot(current.Definition, current.CatalogIndex, pipeline.Settings, bytes);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or InvalidOperationException)
        {
            logger.LogWarning(e, "{Stream}: snapshot at version {Version} is unusable ({Reason}); replaying the whole stream", snapshot.StreamId, snapshot.StreamVersion, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Deterministic per (stream, version, content): a retry of the same append is recognised by the store as the same
    /// event, while another writer's different batch at that version still fails the expected-version check.
    /// </summary>
    private static Guid EventIdFor(string stream, long version, ReadOnlySpan<byte> content)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{stream}@{version}:"));
        hash.AppendData(content);
        return new Guid(hash.GetHashAndReset().AsSpan(0, 16));
    }
}
