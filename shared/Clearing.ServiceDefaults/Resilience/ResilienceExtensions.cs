using System.Net;
using Clearing.EventSourcing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Clearing.ServiceDefaults.Resilience;

internal static class ResilienceExtensions
{
    public static IServiceCollection AddClearingResiliencePipelines(this IServiceCollection services)
    {
        // Adds exception summaries and pipeline names to Polly's telemetry (metrics "resilience.polly.*").
        services.AddResilienceEnricher();

        // kafka — wraps handling of one consumed message (and producer calls). A few quick retries ride out a
        // transient fault (a store hiccup, a leader election); after that the consumer dead-letters the message
        // and moves on (DESIGN.md §6), so there is deliberately NO circuit breaker: an open breaker would fail
        // every following message fast and flood the dead-letter topic with healthy messages.
        services.AddResiliencePipeline(ResiliencePipelineNames.Kafka, pipeline => pipeline
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(2),
            })
            // A handler stuck for 10 s is treated as failed; librdkafka's own delivery timeout covers the producer.
            .AddTimeout(TimeSpan.FromSeconds(10)));

        // store — event store reads/appends. Only "unavailable" (I/O, connection) is retried: a wrong expected
        // version or a duplicate event id is a decision for the caller, never a transient fault. The breaker opens
        // when half the calls fail over 30 s, so a dead database fails requests in microseconds instead of piling
        // them up behind 5 s timeouts while /health/ready takes the pod out of rotation.
        services.AddResiliencePipeline(ResiliencePipelineNames.Store, pipeline => pipeline
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<EventStoreUnavailableException>().Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromSeconds(1),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<EventStoreUnavailableException>().Handle<TimeoutRejectedException>(),
                FailureRatio = 0.5,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(10),
            })
            .AddTimeout(TimeSpan.FromSeconds(5)));

        // dapr — calls to the local sidecar. The sidecar is on localhost, so 3 s is generous; Unavailable usually
        // means the sidecar is still starting or restarting, which a short retry covers.
        services.AddResiliencePipeline(ResiliencePipelineNames.Dapr, pipeline => pipeline
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransientDaprFault),
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(1),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransientDaprFault),
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(5),
            })
            .AddTimeout(TimeSpan.FromSeconds(3)));

        // http — outbound HTTP (e.g. external index price sources). Retries connection faults, 408, 429 and 5xx;
        // a 4xx other than those is the caller's error and retrying cannot fix it.
        services.AddResiliencePipeline<string, HttpResponseMessage>(ResiliencePipelineNames.Http, pipeline => pipeline
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = TransientHttp,
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(3),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = TransientHttp,
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
            })
            .AddTimeout(TimeSpan.FromSeconds(10)));

        return services;
    }

    private static readonly PredicateBuilder<HttpResponseMessage> TransientHttp = new PredicateBuilder<HttpResponseMessage>()
        .Handle<HttpRequestException>()
        .Handle<TimeoutRejectedException>()
        .HandleResult(r => r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500);

    /// <summary>Dapr's SDK wraps the sidecar's gRPC error, so the inner exceptions are inspected too.</summary>
    private static bool IsTransientDaprFault(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case HttpRequestException or TimeoutRejectedException:
                case RpcException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted }:
                    return true;
            }
        }

        return false;
    }
}
