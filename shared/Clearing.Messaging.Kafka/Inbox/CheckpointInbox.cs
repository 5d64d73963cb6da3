using Clearing.Primitives.Inbox;
using System.Collections.Concurrent;
using Clearing.EventSourcing;

namespace Clearing.Messaging.Kafka.Inbox;

/// <summary>
/// An inbox for projections whose read model is not in the event store: the last applied sequence of each source
/// stream is a row of the store's checkpoint table, named <c>inbox-{consumer}:{source stream}</c>.
/// </summary>
/// <remarks>
/// The checkpoint row and the read model are two writes, not one transaction, so this gives at-least-once effects with
/// a window of one message: a crash after the effect and before <see cref="RecordAsync"/> applies that message again.
/// Use it only for effects that are idempotent by themselves (upserting the latest value of a key, setting a status);
/// anything that adds, moves money or must not run twice keeps an <see cref="InboxPosition"/> in its own state instead
/// (<see cref="AggregateInbox{TState}"/>). One instance per consumer; it caches the rows it has read, which is
/// safe because no one else writes them.
/// </remarks>
public sealed class CheckpointInbox
{
    private const long Nothing = -1;

    private readonly ICheckpointStore _checkpoints;
    private readonly ConcurrentDictionary<string, long> _lastApplied = new(StringComparer.Ordinal);
    private long _applied;
    private long _skipped;

    public CheckpointInbox(ICheckpointStore checkpoints, string consumerName)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerName);
        _checkpoints = checkpoints;
        ConsumerName = consumerName;
    }

    public string ConsumerName { get; }

    public long AppliedCount => Interlocked.Read(ref _applied);

    public long SkippedCount => Interlocked.Read(ref _skipped);

    public string CheckpointNameFor(string sourceStream) => $"inbox-{ConsumerName}:{sourceStream}";

    public async ValueTask<InboxVerdict> CheckAsync(string sourceStream, long sequence, CancellationToken cancellationToken = default)
    {
        var last = await LastAppliedAsync(sourceStream, cancellationToken);
        var position = last == Nothing ? InboxPosition.Empty : new InboxPosition(new Dictionary<string, long> { [sourceStream] = last });
        return position.Check(sourceStream, sequence);
    }

    /// <summary>Records <paramref name="sequence"/> as applied; refuses one at or below the last recorded sequence.</summary>
    public async Task RecordAsync(string sourceStream, long sequence, CancellationToken cancellationToken = default)
    {
        if (await CheckAsync(sourceStream, sequence, cancellationToken) != InboxVerdict.Apply)
        {
            throw new InboxSequenceException(
                $"Inbox {ConsumerName}: {sourceStream}:{sequence} is at or below the last applied sequence {_lastApplied[sourceStream]}; a repeat must be skipped, not recorded.");
        }

        await _checkpoints.SaveAsync(CheckpointNameFor(sourceStream), sequence, cancellationToken);
        _lastApplied[sourceStream] = sequence;
    }

    /// <summary>Runs <paramref name="apply"/> unless the message is a repeat, then records it.</summary>
    public async Task<InboxOutcome> HandleOnceAsync(KafkaMessageMetadata source, Func<CancellationToken, Task> apply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(apply);
        var verdict = await CheckAsync(source.SourceStream, source.SourceSequence, cancellationToken);
        InboxMetrics.Count(ConsumerName, verdict);
        if (verdict != InboxVerdict.Apply)
        {
            Interlocked.Increment(ref _skipped);
            return InboxOutcome.Skipped;
        }

        await apply(cancellationToken);
        await RecordAsync(source.SourceStream, source.SourceSequence, cancellationToken);
        Interlocked.Increment(ref _applied);
        return InboxOutcome.Applied;
    }

    private async ValueTask<long> LastAppliedAsync(string sourceStream, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceStream);
        if (_lastApplied.TryGetValue(sourceStream, out var cached))
        {
            return cached;
        }

        var stored = await _checkpoints.LoadAsync(CheckpointNameFor(sourceStream), cancellationToken) ?? Nothing;
        return _lastApplied.GetOrAdd(sourceStream, stored);
    }
}
