using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Producing;
using Clearing.Messaging.Kafka.Transactions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clearing.Messaging.Kafka.Hosting;

public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates <c>Kafka</c>, resolves the broker (configured cluster, else an embedded one), registers
    /// the process's single producer, its flush-on-stop, and the "kafka" readiness check.
    /// </summary>
    public static IServiceCollection AddClearingKafka(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = services.AddOptions<KafkaOptions>()
            .Bind(configuration.GetSection(KafkaOptions.SectionName))
            .ValidateOnStart();
        if (configuration[$"{KafkaOptions.SectionName}:{nameof(KafkaOptions.ServiceName)}"] is null)
        {
            // Services sharing one default name would share a consumer group and fence each other's transactional.id.
            options.PostConfigure<IServiceProvider>((o, sp) =>
            {
                if (sp.GetService<IHostEnvironment>()?.ApplicationName is { Length: > 0 } application)
                {
                    o.ServiceName = ServiceNameFrom(application);
                }
            });
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KafkaConnection>();
        services.TryAddSingleton<KafkaConsumerGaps>();
        services.TryAddSingleton<KafkaPublisher>();
        services.TryAddSingleton<IKafkaPublisher>(sp => sp.GetRequiredService<KafkaPublisher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KafkaPublisherLifetime>());
        services.AddHealthChecks().AddClearingKafka();
        return services;
    }

    /// <summary>"Clearing.Margin" becomes "clearing-margin": the form Kafka:ServiceName accepts.</summary>
    public static string ServiceNameFrom(string applicationName)
    {
        var chars = applicationName.ToLowerInvariant().Select(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-').ToArray();
        var name = new string(chars).Trim('-');
        return name.Length > 0 && char.IsAsciiLetterLower(name[0]) ? name : "clearing-" + name;
    }

    /// <summary>
    /// Adds the Kafka readiness checks (tag "ready"), so /health/ready reflects the broker and any consumer stopped at
    /// deleted records (<see cref="KafkaConsumerGaps"/>).
    /// </summary>
    public static IHealthChecksBuilder AddClearingKafka(this IHealthChecksBuilder builder)
    {
        builder.Services.TryAddSingleton<KafkaConsumerGaps>();
        // AddHealthChecks() may run more than once per host; register the check only once.
        builder.Services.Configure<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>(o =>
        {
            if (o.Registrations.All(r => r.Name != KafkaHealthCheck.Name))
            {
                o.Registrations.Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                    KafkaHealthCheck.Name,
                    sp => ActivatorUtilities.CreateInstance<KafkaHealthCheck>(sp),
                    failureStatus: null,
                    tags: ["ready"]));
            }

            if (o.Registrations.All(r => r.Name != KafkaConsumerGapsHealthCheck.Name))
            {
                o.Registrations.Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                    KafkaConsumerGapsHealthCheck.Name,
                    sp => new KafkaConsumerGapsHealthCheck(sp.GetRequiredService<KafkaConsumerGaps>()),
                    failureStatus: null,
                    tags: ["ready"]));
            }
        });
        return builder;
    }

    /// <summary>Adds a consumer hosted service that calls <paramref name="handler"/> for each message.</summary>
    public static IServiceCollection AddKafkaConsumer<TMessage>(
        this IServiceCollection services,
        KafkaConsumerDefinition<TMessage> definition,
        Func<IServiceProvider, KafkaMessageHandler<TMessage>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return services.AddKafkaBatchConsumer(definition with { MaxBatchSize = 1 }, sp =>
        {
            var one = handler(sp);
            return (messages, cancellationToken) => one(messages[0], cancellationToken);
        });
    }

    /// <summary>
    /// Adds a consumer whose handler takes what is already fetched, up to <see cref="KafkaConsumerDefinition{TMessage}.MaxBatchSize"/>
    /// messages at once (see <see cref="KafkaBatchHandler{TMessage}"/>).
    /// </summary>
    public static IServiceCollection AddKafkaBatchConsumer<TMessage>(
        this IServiceCollection services,
        KafkaConsumerDefinition<TMessage> definition,
        Func<IServiceProvider, KafkaBatchHandler<TMessage>> handler)
    {
        definition.Validate();
        // Not AddHostedService: it de-duplicates by type, and a service may run several consumers of one message type.
        services.AddSingleton<IHostedService>(sp => KafkaConsumerService<TMessage>.ForBatches(
            definition,
            handler(sp),
            sp.GetRequiredService<KafkaConnection>(),
            sp.GetRequiredService<IOptions<KafkaOptions>>().Value,
            sp.GetRequiredService<IKafkaPublisher>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<KafkaConsumerGaps>()));
        return services;
    }

    /// <summary>Adds a consumer whose handler is resolved from DI in a fresh scope per message.</summary>
    public static IServiceCollection AddKafkaConsumer<TMessage, THandler>(this IServiceCollection services, KafkaConsumerDefinition<TMessage> definition)
        where THandler : class, IKafkaMessageHandler<TMessage>
    {
        services.TryAddScoped<THandler>();
        return services.AddKafkaConsumer(definition, sp => async (message, cancellationToken) =>
        {
            await using var scope = sp.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<THandler>().HandleAsync(message, cancellationToken);
        });
    }

    /// <summary>Adds a transactional consume-transform-produce processor.</summary>
    public static IServiceCollection AddKafkaTransactionalProcessor<TMessage>(
        this IServiceCollection services,
        KafkaTransactionalDefinition<TMessage> definition,
        Func<IServiceProvider, KafkaTransform<TMessage>> transform)
    {
        definition.Validate();
        services.AddSingleton<IHostedService>(sp => new KafkaTransactionalProcessor<TMessage>(
            definition,
            transform(sp),
            sp.GetRequiredService<KafkaConnection>(),
            sp.GetRequiredService<IOptions<KafkaOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<KafkaConsumerGaps>()));
        return services;
    }
}
