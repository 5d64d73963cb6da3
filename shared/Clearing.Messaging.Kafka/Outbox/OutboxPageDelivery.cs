using Confluent.Kafka;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>
/// Collects the delivery reports of one page produced without awaiting each message. Reports arrive on the client's
/// delivery thread; the page completes when every produced message has reported (or was never produced).
/// </summary>
internal sealed class OutboxPageDelivery
{
    private readonly DeliveryReport<byte[]?, byte[]?>?[] _reports;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _outstanding;
    private int _unproducedFrom;
    private Exception? _produceError;

    public OutboxPageDelivery(int count)
    {
        _reports = new DeliveryReport<byte[]?, byte[]?>?[count];
        _outstanding = count;
        _unproducedFrom = count;
        if (count == 0)
        {
            _completion.TrySetResult();
        }
    }

    public Task Completion => _completion.Task;

    public int Outstanding => Volatile.Read(ref _outstanding);

    public Action<DeliveryReport<byte[]?, byte[]?>> CallbackFor(int index) => report =>
    {
        _reports[index] = report;
        Complete(1);
    };

    /// <summary>Producing stopped at <paramref name="index"/>: that message and every later one never left.</summary>
    public void Unproduced(int index, Exception error)
    {
        _produceError = error;
        _unproducedFrom = index;
        Complete(_reports.Length - index);
    }

    /// <summary>Delivered messages by page index with where they landed. Read only after <see cref="Completion"/>.</summary>
    public IEnumerable<(int Index, TopicPartitionOffset Position)> Delivered()
    {
        for (var i = 0; i < _unproducedFrom; i++)
        {
            if (_reports[i] is { Error.IsError: false } report)
            {
                yield return (i, report.TopicPartitionOffset);
            }
        }
    }

    /// <summary>Every message that is not known to be stored. Read only after <see cref="Completion"/>.</summary>
    public IReadOnlyList<OutboxDeliveryFailure> Failures()
    {
        var failures = new List<OutboxDeliveryFailure>();
        for (var i = 0; i < _reports.Length; i++)
        {
            if (i >= _unproducedFrom)
            {
                failures.Add(new OutboxDeliveryFailure(i, PersistenceStatus.NotPersisted, null, _produceError));
            }
            else if (_reports[i] is { Error.IsError: true } report)
            {
                failures.Add(new OutboxDeliveryFailure(i, report.Status, report.Error, null));
            }
        }

        return failures;
    }

    private void Complete(int count)
    {
        if (Interlocked.Add(ref _outstanding, -count) == 0)
        {
            _completion.TrySetResult();
        }
    }
}

/// <summary>One message of a page that the broker did not confirm: its page index and why.</summary>
public sealed record OutboxDeliveryFailure(int Index, PersistenceStatus Status, Error? Error, Exception? ProduceException)
{
    public bool IsFatal => Error is { } error && (error.IsFatal || error.Code == ErrorCode.Local_Fatal)
        || ProduceException is KafkaException { Error.IsFatal: true };

    public string Reason => Error is { } error
        ? $"{error.Code}: {error.Reason}"
        : $"not produced: {ProduceException?.GetType().Name}: {ProduceException?.Message}";
}
