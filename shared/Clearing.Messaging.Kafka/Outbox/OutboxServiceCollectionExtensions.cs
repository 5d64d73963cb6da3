using Clearing.EventSourcing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clearing.Messaging.Kafka.Outbox;

public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Adds a relay that publishes the service's stored events through <typeparamref name="TTranslator"/>. Needs
    /// AddClearingKafka and an <see cref="IEventStore"/> registration.
    /// </summary>
    public static IServiceCollection AddOutboxRelay<TTranslator>(this IServiceCollection services, OutboxRelayOptions options)
        where TTranslator : class, IOutboxTranslator
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton<TTranslator>();
        // Not AddHostedService: it de-duplicates by type, and a service may run several relays.
        services.AddSingleton<IHostedService>(sp => new OutboxRelayService(
            sp.GetRequiredService<IEventStore>(),
            sp.GetRequiredService<TTranslator>(),
            sp.GetRequiredService<KafkaConnection>(),
            sp.GetRequiredService<IOptions<KafkaOptions>>().Value,
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
