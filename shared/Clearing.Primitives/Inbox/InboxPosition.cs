using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Clearing.Primitives.Inbox;

/// <summary>
/// The last sequence a consumer applied from each source stream (DESIGN.md §6, inbox), as an immutable value that a
/// service keeps inside the state it changes: an aggregate folds it in Evolve, a projection stores it with its rows.
/// Because the record of "applied up to here" is part of the state, it commits in the same transaction as the change.
/// A message at or below the last applied sequence of its source is a repeat (a republished page, a replayed topic)
/// and is skipped; applying only increasing sequences keeps every source's order.
/// </summary>
/// <remarks>
/// Pure: no Kafka types, no I/O, so a *.Domain can keep it in its state. The Kafka metadata overloads live in
/// Clearing.Messaging.Kafka (InboxPositionKafkaExtensions).
/// One position per topic a consumer reads: a source stream that publishes to two topics has no order between them.
/// It serializes as its LastApplied map (stream → sequence) in ordinal order, so snapshots and state hashes are stable.
/// </remarks>
public sealed class InboxPosition : IEquatable<InboxPosition>
{
    private readonly ImmutableSortedDictionary<string, long> _lastApplied;

    [JsonConstructor]
    public InboxPosition(IReadOnlyDictionary<string, long> lastApplied)
    {
        ArgumentNullException.ThrowIfNull(lastApplied);
        foreach (var (source, sequence) in lastApplied)
        {
            Validate(source, sequence);
        }

        _lastApplied = lastApplied.ToImmutableSortedDictionary(StringComparer.Ordinal);
    }

    private InboxPosition(ImmutableSortedDictionary<string, long> lastApplied) => _lastApplied = lastApplied;

    public static InboxPosition Empty { get; } = new(ImmutableSortedDictionary.Create<string, long>(StringComparer.Ordinal));

    /// <summary>Source stream → last applied sequence.</summary>
    public IReadOnlyDictionary<string, long> LastApplied => _lastApplied;

    /// <summary>How many sources this consumer has applied anything from.</summary>
    [JsonIgnore]
    public int Count => _lastApplied.Count;

    /// <summary>The last sequence applied from <paramref name="sourceStream"/>, null when nothing was.</summary>
    public long? LastAppliedFor(string sourceStream) =>
        _lastApplied.TryGetValue(sourceStream, out var sequence) ? sequence : null;

    public InboxVerdict Check(string sourceStream, long sequence)
    {
        Validate(sourceStream, sequence);
        if (!_lastApplied.TryGetValue(sourceStream, out var last) || sequence > last)
        {
            return InboxVerdict.Apply;
        }

        return sequence == last ? InboxVerdict.Duplicate : InboxVerdict.OutOfDate;
    }

    public bool ShouldApply(string sourceStream, long sequence) => Check(sourceStream, sequence) == InboxVerdict.Apply;

    /// <summary>
    /// The position after applying <paramref name="sequence"/> of <paramref name="sourceStream"/>. Recording a sequence at
    /// or below the last applied one is a bug in the caller (it applied a repeat), so it is refused.
    /// </summary>
    public InboxPosition Record(string sourceStream, long sequence)
    {
        var verdict = Check(sourceStream, sequence);
        if (verdict != InboxVerdict.Apply)
        {
            throw new InboxSequenceException(
                $"Inbox: {sourceStream}:{sequence} is {(verdict == InboxVerdict.Duplicate ? "the" : "below the")} last applied sequence {_lastApplied[sourceStream]} of {sourceStream}; " +
                "check ShouldApply before applying, a repeat must be skipped.");
        }

        return new InboxPosition(_lastApplied.SetItem(sourceStream, sequence));
    }

    public bool Equals(InboxPosition? other) =>
        other is not null && (ReferenceEquals(this, other) || (_lastApplied.Count == other._lastApplied.Count && _lastApplied.All(kv => other._lastApplied.TryGetValue(kv.Key, out var s) && s == kv.Value)));

    public override bool Equals(object? obj) => Equals(obj as InboxPosition);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var (source, sequence) in _lastApplied)
        {
            hash.Add(source, StringComparer.Ordinal);
            hash.Add(sequence);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => $"inbox({string.Join(", ", _lastApplied.Select(kv => $"{kv.Key}:{kv.Value}"))})";

    public static bool operator ==(InboxPosition? left, InboxPosition? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(InboxPosition? left, InboxPosition? right) => !(left == right);

    private static void Validate(string sourceStream, long sequence)
    {
        if (string.IsNullOrWhiteSpace(sourceStream))
        {
            throw new ArgumentException("Inbox: the source stream must not be empty.", nameof(sourceStream));
        }

        if (sequence < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"Inbox: the sequence of {sourceStream} must not be negative.");
        }
    }
}

/// <summary>What a consumer should do with a message, by its source coordinates.</summary>
public enum InboxVerdict
{
    /// <summary>Newer than anything applied from its source.</summary>
    Apply,

    /// <summary>The very sequence applied last from its source: a repeat.</summary>
    Duplicate,

    /// <summary>Below the last applied sequence of its source: an older repeat.</summary>
    OutOfDate,
}

/// <summary>A caller tried to record a sequence its inbox had already passed.</summary>
public sealed class InboxSequenceException : InvalidOperationException
{
    public InboxSequenceException()
    {
    }

    public InboxSequenceException(string message)
        : base(message)
    {
    }

    public InboxSequenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
