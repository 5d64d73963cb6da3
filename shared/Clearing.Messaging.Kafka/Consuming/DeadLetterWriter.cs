using System.Globalization;
using Clearing.Contracts;
using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Clearing.Messaging.Kafka.Consuming;

/// <summary>Copies a record that cannot be handled to <c>clearing.dlq.v1</c>, with why and where it came from.</summary>
public sealed class DeadLetterWriter(IKafkaPublisher publisher, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Keeps trying until the dead letter is acknowledged: the source offset must not be committed before it is.
    /// Returns false only when <paramref name="cancellationToken"/> stops it first.
    /// </summary>
    public async Task<bool> WriteAsync(
        ConsumeResult<byte[]?, byte[]?> record,
        string groupId,
        string reason,
        Exception exception,
        int attempts,
        CancellationToken cancellationToken)
    {
        var message = Build(record, groupId, reason, exception, attempts, time.GetUtcNow());
        while (true)
        {
            try
            {
                await publisher.PublishRawAsync(Topics.DeadLetters, message, cancellationToken);
                logger.LogWarning(
                    exception,
                    "Dead-lettered {Topic}[{Partition}]@{Offset} (group {Group}) after {Attempts} attempt(s): {Reason}",
                    record.Topic,
                    record.Partition.Value,
                    record.Offset.Value,
                    groupId,
                    attempts,
                    reason);
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (KafkaException e)
            {
                logger.LogError(e, "Writing a dead letter for {Topic}[{Partition}]@{Offset} failed; retrying", record.Topic, record.Partition.Value, record.Offset.Value);
                try
                {
                    await Task.Delay(RetryDelay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
    }

    public static Message<byte[]?, byte[]?> Build(
        ConsumeResult<byte[]?, byte[]?> record,
        string groupId,
        string reason,
        Exception exception,
        int attempts,
        DateTimeOffset now)
    {
        var headers = new Headers();
        foreach (var header in record.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(KafkaHeaderNames.DeadLetterReason, CloudEventsEnvelope.Utf8(reason));
        headers.Add(KafkaHeaderNames.DeadLetterExceptionType, CloudEventsEnvelope.Utf8(exception.GetType().FullName ?? exception.GetType().Name));
        headers.Add(KafkaHeaderNames.DeadLetterOriginalTopic, CloudEventsEnvelope.Utf8(record.Topic));
        headers.Add(KafkaHeaderNames.DeadLetterOriginalPartition, CloudEventsEnvelope.Utf8(record.Partition.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(KafkaHeaderNames.DeadLetterOriginalOffset, CloudEventsEnvelope.Utf8(record.Offset.Value.ToString(CultureInfo.InvariantCulture)));
        headers.Add(KafkaHeaderNames.DeadLetterOriginalKey, record.Message.Key ?? []);
        headers.Add(KafkaHeaderNames.DeadLetterConsumerGroup, CloudEventsEnvelope.Utf8(groupId));
        headers.Add(KafkaHeaderNames.DeadLetterAttempts, CloudEventsEnvelope.Utf8(attempts.ToString(CultureInfo.InvariantCulture)));
        headers.Add(KafkaHeaderNames.DeadLetterTime, CloudEventsEnvelope.Utf8(now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));

        // Same key as the original, so dead letters of one aggregate stay in order on the DLQ too.
        return new Message<byte[]?, byte[]?> { Key = record.Message.Key, Value = record.Message.Value, Headers = headers };
    }
}
