using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Clearing.Messaging.Kafka.Consuming;

/// <summary>The per-message retry pipeline shared by consumers and the transactional processor.</summary>
internal static class KafkaRetryPipeline
{
    public static ResiliencePipeline Build(KafkaRetryOptions retry, TimeProvider time, ILogger logger, string consumerName)
    {
        var builder = new ResiliencePipelineBuilder { Name = $"kafka-{consumerName}", TimeProvider = time };
        if (retry.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxRetries,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsRetryable),
                OnRetry = args =>
                {
                    logger.LogWarning(
                        args.Outcome.Exception,
                        "{Consumer}: handler failed (attempt {Attempt}), retrying in {Delay}",
                        consumerName,
                        args.AttemptNumber + 1,
                        args.RetryDelay);
                    return default;
                },
            });
        }

        return builder.Build();
    }

    private static bool IsRetryable(Exception e) =>
        e is not OperationCanceledException and not NonRetryableMessageException and not MalformedKafkaMessageException;
}
