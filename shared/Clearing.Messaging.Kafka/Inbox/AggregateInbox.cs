using Clearing.Primitives.Inbox;
using Clearing.EventSourcing;

namespace Clearing.Messaging.Kafka.Inbox;

/// <summary>
/// Exactly-once effects for a consumer whose state is an event-sourced aggregate: the aggregate's state holds an
/// <see cref="InboxPosition"/> that its Evolve advances from the very events that apply a message, so the inbox record
/// and the state change are one append — one store transaction. A message is decided against fresh state only when
/// its source sequence is newer than the one that aggregate recorded; a concurrent writer makes the repository decide
/// again, inbox check included.
/// </summary>
/// <remarks>
/// The inbox is per aggregate: a fill that touches accounts A and B is applied to each on its own, and a crash between
/// the two appends re-applies it to B only, because A's inbox already holds it. After a decision the helper folds the
/// new events and refuses them (nothing is appended) if the resulting inbox does not record the message: an Evolve that
/// forgets <see cref="InboxPosition.Record(string, long)"/> would otherwise apply every redelivery again.
/// </remarks>
public sealed class AggregateInbox<TState>
{
    private readonly AggregateRepository<TState> _repository;
    private readonly AggregateDefinition<TState> _definition;
    private readonly Func<TState, InboxPosition> _inboxOf;
    private long _applied;
    private long _skipped;

    public AggregateInbox(AggregateRepository<TState> repository, AggregateDefinition<TState> definition, Func<TState, InboxPosition> inboxOf, string consumerName)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(inboxOf);
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerName);
        _repository = repository;
        _definition = definition;
        _inboxOf = inboxOf;
        ConsumerName = consumerName;
    }

    public string ConsumerName { get; }

    public long AppliedCount => Interlocked.Read(ref _applied);

    /// <summary>Repeats skipped because the aggregate's inbox had already recorded them.</summary>
    public long SkippedCount => Interlocked.Read(ref _skipped);

    /// <summary>Applies a consumed message to aggregate <paramref name="aggregateId"/> once.</summary>
    public Task<InboxOutcome> ExecuteAsync(string aggregateId, KafkaMessageMetadata source, Func<TState, IReadOnlyList<object>> decide, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var correlation = Guid.TryParse(source.CorrelationId, out var id) ? id : (Guid?)null;
        return ExecuteAsync(aggregateId, source.SourceStream, source.SourceSequence, decide, correlation, cancellationToken);
    }

    /// <summary>Applies the message <paramref name="sourceStream"/>:<paramref name="sourceSequence"/> to aggregate <paramref name="aggregateId"/> once.</summary>
    public async Task<InboxOutcome> ExecuteAsync(
        string aggregateId,
        string sourceStream,
        long sourceSequence,
        Func<TState, IReadOnlyList<object>> decide,
        Guid? correlationId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decide);
        var verdict = InboxVerdict.Apply;
        var events = await _repository.ExecuteAsync(
            aggregateId,
            state =>
            {
                // Runs once per attempt against freshly loaded state, so the verdict is always the latest one.
                verdict = _inboxOf(state).Check(sourceStream, sourceSequence);
                if (verdict != InboxVerdict.Apply)
                {
                    return [];
                }

                var decided = decide(state);
                if (decided.Count > 0)
                {
                    Fold(state, decided, aggregateId, sourceStream, sourceSequence);
                }

                return decided;
            },
            correlationId,
            cancellationToken: cancellationToken);

        return Count(verdict, events.Count);
    }

    /// <summary>
    /// Applies several consumed messages to one aggregate in order, each once, as ONE append: each message is checked
    /// against (and decided on) the state the earlier ones left, so the outcome per message is the one
    /// <see cref="ExecuteAsync(string, string, long, Func{TState, IReadOnlyList{object}}, Guid?, CancellationToken)"/>
    /// would give one after another, at the cost of one store write. A decision that throws appends nothing for any.
    /// </summary>
    public async Task<IReadOnlyList<InboxOutcome>> ExecuteManyAsync(string aggregateId, IReadOnlyList<InboxMessage<TState>> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var verdicts = new InboxVerdict[messages.Count];
        var counts = new int[messages.Count];
        await _repository.ExecuteAsync(
            aggregateId,
            state =>
            {
                // Runs once per attempt against freshly loaded state, so every verdict is the latest one.
                var decided = new List<object>();
                for (var i = 0; i < messages.Count; i++)
                {
                    var message = messages[i];
                    verdicts[i] = _inboxOf(state).Check(message.SourceStream, message.SourceSequence);
                    counts[i] = 0;
                    if (verdicts[i] != InboxVerdict.Apply)
                    {
                        continue;
                    }

                    var events = message.Decide(state);
                    if (events.Count == 0)
                    {
                        continue;
                    }

                    state = Fold(state, events, aggregateId, message.SourceStream, message.SourceSequence);
                    decided.AddRange(events);
                    counts[i] = events.Count;
                }

                return decided;
            },
            cancellationToken: cancellationToken);

        var outcomes = new InboxOutcome[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            outcomes[i] = Count(verdicts[i], counts[i]);
        }

        return outcomes;
    }

    private TState Fold(TState state, IReadOnlyList<object> decided, string aggregateId, string sourceStream, long sourceSequence)
    {
        var after = decided.Aggregate(state, _definition.Evolve);
        if (_inboxOf(after).LastAppliedFor(sourceStream) != sourceSequence)
        {
            throw new InvalidOperationException(
                $"Inbox {ConsumerName}: the events decided for {sourceStream}:{sourceSequence} on {_repository.StreamIdOf(aggregateId)} do not record it in the aggregate's inbox; " +
                "its Evolve must call InboxPosition.Record for the event that applies the message. Nothing was appended.");
        }

        return after;
    }

    private InboxOutcome Count(InboxVerdict verdict, int events)
    {
        InboxMetrics.Count(ConsumerName, verdict);
        if (verdict != InboxVerdict.Apply)
        {
            Interlocked.Increment(ref _skipped);
            return InboxOutcome.Skipped;
        }

        if (events == 0)
        {
            return InboxOutcome.NothingToApply;
        }

        Interlocked.Increment(ref _applied);
        return InboxOutcome.Applied;
    }
}

/// <summary>One consumed message for <see cref="AggregateInbox{TState}.ExecuteManyAsync"/>: where it came from and its decision.</summary>
public sealed record InboxMessage<TState>(string SourceStream, long SourceSequence, Func<TState, IReadOnlyList<object>> Decide);
