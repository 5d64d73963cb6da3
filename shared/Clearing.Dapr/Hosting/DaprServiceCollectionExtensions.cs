using Clearing.Dapr.PubSub;
using Clearing.Dapr.State;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using Polly.Retry;

namespace Clearing.Dapr.Hosting;

public static class DaprServiceCollectionExtensions
{
    /// <summary>The shared Polly pipeline name (DESIGN.md §6) used for sidecar calls when the host registers one.</summary>
    public const string ResiliencePipelineName = "dapr";

    /// <summary>
    /// Registers <see cref="IStateStore"/> and <see cref="IPubSubPublisher"/>, choosing the sidecar adapters when
    /// <c>Dapr:Enabled</c> is true and the embedded ones (SQLite, in-process) otherwise; binds and validates
    /// <see cref="DaprOptions"/> at start-up; adds the "dapr" health check tagged "ready".
    /// Map <see cref="DaprSubscriptionEndpoints.MapClearingDaprSubscriptions"/> to receive events from the sidecar.
    /// </summary>
    public static IServiceCollection AddClearingDapr(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(DaprOptions.SectionName);
        services.AddOptions<DaprOptions>()
            .Bind(section)
            .PostConfigure(options =>
            {
                // Only an absent key falls back; a key set to blanks is a mistake the validator reports.
                if (section[nameof(DaprOptions.DataDirectory)] is null)
                {
                    options.DataDirectory = DaprOptions.DefaultDataDirectory(configuration);
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DaprOptions>, DaprOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddGrpc();

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DaprOptions>>().Value;
            var builder = new DaprClientBuilder();
            if (!string.IsNullOrWhiteSpace(options.GrpcEndpoint))
            {
                builder.UseGrpcEndpoint(options.GrpcEndpoint);
            }

            return builder.Build();
        });

        services.TryAddSingleton<IStateStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DaprOptions>>().Value;
            return options.Enabled
                ? new DaprStateStore(sp.GetRequiredService<DaprClient>(), options.StateStoreName, SidecarPipeline(sp))
                : new SqliteStateStore(options.StateStoreName,
                    SqliteStateStore.PathFor(options.DataDirectory!, options.StateStoreName),
                    sp.GetRequiredService<TimeProvider>());
        });

        services.TryAddSingleton<TopicSubscriptionRegistry>();
        services.TryAddSingleton<TopicEventDispatcher>();
        services.TryAddSingleton<IPubSubPublisher>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DaprOptions>>().Value;
            return options.Enabled
                ? new DaprPubSubPublisher(sp.GetRequiredService<DaprClient>(), options.PubSubName, SidecarPipeline(sp))
                : ActivatorUtilities.CreateInstance<InProcessPubSub>(sp);
        });

        services.AddHealthChecks().AddCheck<DaprHealthCheck>(DaprHealthCheck.Name, tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// The host's shared "dapr" pipeline when it registers one; otherwise a retry of calls that never reached the
    /// sidecar (Unavailable: sidecar starting or restarting). Nothing else is retried, so a conditional write is never
    /// sent twice after it may have been applied.
    /// </summary>
    private static ResiliencePipeline SidecarPipeline(IServiceProvider services)
    {
        var provider = services.GetService<ResiliencePipelineProvider<string>>();
        if (provider is not null && provider.TryGetPipeline(ResiliencePipelineName, out var shared))
        {
            return shared;
        }

        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsUnavailable),
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
    }

    internal static bool IsUnavailable(Exception exception) =>
        (exception as RpcException ?? (exception as DaprException)?.InnerException as RpcException)?.StatusCode == StatusCode.Unavailable;
}
