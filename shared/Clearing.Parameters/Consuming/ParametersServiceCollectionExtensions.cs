using Clearing.Contracts;
using Clearing.Contracts.Governance.V1;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Clearing.Parameters.Consuming;

public static class ParametersServiceCollectionExtensions
{
    /// <summary>
    /// Consumes clearing.governance.params.v1 into a <see cref="ParameterFeed"/> kept in the service's event store
    /// (AddClearingEventStore and AddClearingKafka must be registered). The feed is folded from the store when the
    /// host starts; call this before the service's own consumers so it is loaded before they run. Idempotent.
    /// </summary>
    public static IServiceCollection AddGovernanceParameters(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ParameterFeed)))
        {
            return services;
        }

        services.TryAddSingleton<ParameterFeed>();
        services.AddSingleton<IHostedService, ParameterFeedLoader>();
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<ParamsChanged> { Name = "params", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.GovernanceParams], Deserializer = new ProtobufPayloadDeserializer<ParamsChanged>() },
            sp =>
            {
                var feed = sp.GetRequiredService<ParameterFeed>();
                return (message, cancellationToken) => feed.ApplyAsync(message.Payload, cancellationToken);
            });
        return services;
    }
}

/// <summary>Folds the stored parameters before the consumers registered after it start.</summary>
internal sealed class ParameterFeedLoader(ParameterFeed feed) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => feed.LoadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
