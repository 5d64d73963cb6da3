using System.Security.Cryptography;
using System.Text;
using Clearing.Contracts.Matching.V1;
using Clearing.EventSourcing;

namespace Clearing.Matching.Application;

/// <summary>Reads and writes the "book-{market}" streams: one stored event per processing batch, at an exact expected version.</summary>
public static class BookStore
{
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
    /// Rebuilds one book by replaying its stream into <paramref name="pipeline"/>; hands each batch's regenerated events
    /// to <paramref name="replayed"/>. Returns the stream version (-1 when the book has no stream yet).
    /// </summary>
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
