namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>Where each partition of a topic ends, for the relay's broker-wipe check.</summary>
public interface IOutboxWatermarks
{
    /// <summary>
    /// The high watermark (the offset the next record will get) of every partition of <paramref name="topic"/>; empty when
    /// the topic does not exist. Throws when the broker cannot answer: the relay then treats the check as inconclusive.
    /// </summary>
    Task<IReadOnlyDictionary<int, long>> GetHighWatermarksAsync(string topic, CancellationToken cancellationToken);
}
