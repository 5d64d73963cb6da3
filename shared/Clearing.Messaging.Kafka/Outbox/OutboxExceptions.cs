using Clearing.EventSourcing;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>The translator failed on, or returned an unusable message for, one stored event. The relay stops there and retries.</summary>
public sealed class OutboxTranslationException : Exception
{
    public OutboxTranslationException(RecordedEvent recorded, string problem, Exception? innerException = null)
        : base($"Outbox translation of {recorded.StreamId}:{recorded.StreamVersion} ({recorded.Type}, position {recorded.GlobalPosition}) failed: {problem}", innerException)
    {
        GlobalPosition = recorded.GlobalPosition;
    }

    public OutboxTranslationException()
    {
    }

    public OutboxTranslationException(string message)
        : base(message)
    {
    }

    public OutboxTranslationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public long GlobalPosition { get; }
}

/// <summary>Some messages of a page were not confirmed by the broker: the checkpoint stays and the page is published again.</summary>
public sealed class OutboxDeliveryException : Exception
{
    public OutboxDeliveryException(string message, IReadOnlyList<OutboxDeliveryFailure> failures)
        : base(message)
    {
        Failures = failures;
    }

    public OutboxDeliveryException()
    {
        Failures = [];
    }

    public OutboxDeliveryException(string message)
        : base(message)
    {
        Failures = [];
    }

    public OutboxDeliveryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Failures = [];
    }

    public IReadOnlyList<OutboxDeliveryFailure> Failures { get; }
}

/// <summary>The producer reported a fatal error: it can deliver nothing more, and the relay must get a new one.</summary>
public sealed class OutboxPublisherFatalException : Exception
{
    public OutboxPublisherFatalException()
    {
    }

    public OutboxPublisherFatalException(string message)
        : base(message)
    {
    }

    public OutboxPublisherFatalException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
