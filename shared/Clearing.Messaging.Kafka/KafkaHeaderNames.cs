namespace Clearing.Messaging.Kafka;

/// <summary>
/// Header names on every public message. CloudEvents 1.0 Kafka binding, binary mode: attributes travel as
/// <c>ce_*</c> headers and the payload is the record value — the format Dapr pub/sub reads too.
/// </summary>
public static class KafkaHeaderNames
{
    public const string SpecVersion = "ce_specversion";
    public const string Id = "ce_id";
    public const string Source = "ce_source";
    public const string Type = "ce_type";
    public const string Time = "ce_time";
    public const string Subject = "ce_subject";

    /// <summary>CloudEvents extension attributes (lower-case alphanumerics, as the spec requires).</summary>
    public const string CorrelationId = "ce_correlationid";
    public const string CausationId = "ce_causationid";

    /// <summary>The binding maps datacontenttype to the plain Kafka content-type header.</summary>
    public const string ContentType = "content-type";

    /// <summary>The stream the event was first stored in, and its per-source sequence: the consumer's inbox key.</summary>
    public const string SourceStream = "clearing-source-stream";
    public const string SourceSequence = "clearing-source-seq";

    public const string DeadLetterReason = "clearing-dlq-reason";
    public const string DeadLetterExceptionType = "clearing-dlq-exception-type";
    public const string DeadLetterOriginalTopic = "clearing-dlq-original-topic";
    public const string DeadLetterOriginalPartition = "clearing-dlq-original-partition";
    public const string DeadLetterOriginalOffset = "clearing-dlq-original-offset";
    public const string DeadLetterOriginalKey = "clearing-dlq-original-key";
    public const string DeadLetterConsumerGroup = "clearing-dlq-consumer-group";
    public const string DeadLetterAttempts = "clearing-dlq-attempts";
    public const string DeadLetterTime = "clearing-dlq-time";

    public const string CloudEventsSpecVersion = "1.0";
}
