using System.Collections.Concurrent;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Producing;
using Clearing.Testing.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clearing.Messaging.Tests;

/// <summary>AddClearingKafka in a real host: broker modes, validation, readiness, DI consumers.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task without_bootstrap_servers_the_host_starts_an_in_process_embedded_broker_says_so_and_is_ready()
    {
        var logs = new CollectingLoggerProvider();
        using var host = Host(new() { ["Kafka:ServiceName"] = "margin" }, logs);

        await host.StartAsync();
        var connection = host.Services.GetRequiredService<KafkaConnection>();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));
        var delivered = await host.Services.GetRequiredService<IKafkaPublisher>()
            .PublishAsync(TestSupport.Event(Clearing.Contracts.Topics.MarginRisk, "acct-1", 1, 1));
        await host.StopAsync();

        connection.Mode.ShouldBe(KafkaBrokerMode.EmbeddedInProcess);
        connection.EmbeddedBroker.ShouldNotBeNull();
        connection.MirrorTransactionalOffsets.ShouldBeTrue();
        report.Entries.Keys.Order(StringComparer.Ordinal).ShouldBe(["kafka", "kafka-consumer-gaps"]);
        report.Status.ShouldBe(HealthStatus.Healthy, report.Entries["kafka"].Description);
        delivered.Offset.Value.ShouldBe(0);
        logs.Messages.ShouldContain(m => m.Contains("Kafka mode: Kafka:BootstrapServers is not set, so an in-process embedded broker"));
    }

    [Fact]
    public async Task with_an_embedded_bootstrap_file_the_host_uses_the_broker_named_in_it()
    {
        var file = Path.Combine(Path.GetTempPath(), $"kafka-{Guid.NewGuid():N}.bootstrap");
        await using var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { BootstrapFile = file, BrokerCount = 1 });
        var logs = new CollectingLoggerProvider();
        using var host = Host(new() { ["Kafka:EmbeddedBootstrapFile"] = file }, logs);

        await host.StartAsync();
        var connection = host.Services.GetRequiredService<KafkaConnection>();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await host.StopAsync();

        connection.Mode.ShouldBe(KafkaBrokerMode.EmbeddedFile);
        connection.BootstrapServers.ShouldBe(broker.BootstrapServers);
        report.Status.ShouldBe(HealthStatus.Healthy);
        logs.Messages.ShouldContain(m => m.Contains("Kafka mode: embedded broker of another local process"));
    }

    [Fact]
    public async Task a_missing_bootstrap_file_stops_start_up_naming_the_key()
    {
        using var host = Host(new() { ["Kafka:EmbeddedBootstrapFile"] = "/nonexistent/kafka.bootstrap" }, new CollectingLoggerProvider());

        var error = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        error.Message.ShouldContain("Kafka:EmbeddedBootstrapFile '/nonexistent/kafka.bootstrap' does not exist");
    }

    [Fact]
    public async Task an_empty_bootstrap_file_stops_start_up_naming_the_key()
    {
        var file = Path.Combine(Path.GetTempPath(), $"kafka-{Guid.NewGuid():N}.bootstrap");
        await File.WriteAllTextAsync(file, "\n");
        using var host = Host(new() { ["Kafka:EmbeddedBootstrapFile"] = file }, new CollectingLoggerProvider());

        var error = await Should.ThrowAsync<InvalidOperationException>(() => host.StartAsync());

        error.Message.ShouldBe($"Kafka:EmbeddedBootstrapFile: The Kafka bootstrap file '{file}' is empty.");
        File.Delete(file);
    }

    [Theory]
    [InlineData("Kafka:BootstrapServers", "no-port-here", "Kafka:BootstrapServers 'no-port-here' is not a comma-separated host:port list.")]
    [InlineData("Kafka:ServiceName", "Margin Service", "Kafka:ServiceName 'Margin Service' must be lower-case letters")]
    [InlineData("Kafka:Retry:MaxRetries", "-1", "Kafka:Retry:MaxRetries must be between 0 and 100 (was -1).")]
    [InlineData("Kafka:GroupProtocol", "eager", "Kafka:GroupProtocol 'eager' must be 'classic' or 'consumer'.")]
    public async Task invalid_configuration_stops_start_up_with_a_message_naming_the_key(string key, string value, string expected)
    {
        using var host = Host(new() { [key] = value }, new CollectingLoggerProvider());

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task adding_kafka_twice_registers_one_producer_and_one_readiness_check()
    {
        using var host = Host(new() { ["Kafka:ServiceName"] = "funding" }, new CollectingLoggerProvider(), services => services.AddClearingKafka(new ConfigurationBuilder().Build()));

        await host.StartAsync();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        await host.StopAsync();

        report.Entries.Keys.Order(StringComparer.Ordinal).ShouldBe(["kafka", "kafka-consumer-gaps"]);
        host.Services.GetServices<IKafkaPublisher>().Count().ShouldBe(1);
    }

    [Fact]
    public async Task without_a_configured_service_name_the_host_application_name_names_the_group_and_transactional_id()
    {
        using var host = Host(new(), new CollectingLoggerProvider(), applicationName: "Clearing.Margin");

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<KafkaOptions>>().Value;
        await host.StopAsync();

        options.ServiceName.ShouldBe("clearing-margin");
        options.TransactionalId.ShouldBe("clearing-margin-0");
        options.EffectiveConsumerGroup.ShouldBe("clearing-margin");
        options.CloudEventsSource.ShouldBe("/clearing/clearing-margin");
    }

    internal static IHost Host(Dictionary<string, string?> settings, CollectingLoggerProvider logs, Action<IServiceCollection>? more = null, string? applicationName = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = applicationName });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddClearingKafka(builder.Configuration);
        more?.Invoke(builder.Services);
        return builder.Build();
    }
}

[Collection(KafkaCollection.Name)]
public sealed class HostedConsumerTests(KafkaFixture kafka)
{
    [Fact]
    public async Task a_consumer_registered_with_a_di_handler_handles_messages_in_the_host_and_drains_on_stop()
    {
        var topic = await kafka.NewTopicAsync("hosted");
        var handled = new RecordingHandler.Sink();
        using var host = HostingTests.Host(kafka.Configuration("liquidation"), new CollectingLoggerProvider(), services =>
        {
            services.AddSingleton(handled);
            services.AddKafkaConsumer<TestEvent, RecordingHandler>(new KafkaConsumerDefinition<TestEvent>
            {
                Name = "risk-events",
                Topics = [topic],
                Deserializer = TestSupport.Deserializer,
            });
        });

        await host.StartAsync();
        var publisher = host.Services.GetRequiredService<IKafkaPublisher>();
        for (var n = 0; n < 5; n++)
        {
            await publisher.PublishAsync(TestSupport.Event(topic, "acct-3", n, n));
        }

        await TestSupport.WaitUntil(() => handled.Numbers.Count == 5, "the DI handler sees every message");
        await host.StopAsync();

        handled.Numbers.ShouldBe([0, 1, 2, 3, 4]);
        handled.Scopes.Distinct().Count().ShouldBe(5, "one DI scope per message");
    }

    private sealed class RecordingHandler(RecordingHandler.Sink sink) : IKafkaMessageHandler<TestEvent>
    {
        private readonly Guid _scope = Guid.NewGuid();

        public Task HandleAsync(KafkaInboundMessage<TestEvent> message, CancellationToken cancellationToken)
        {
            sink.Numbers.Enqueue(message.Payload.Number);
            sink.Scopes.Enqueue(_scope);
            return Task.CompletedTask;
        }

        public sealed class Sink
        {
            public ConcurrentQueue<int> Numbers { get; } = new();

            public ConcurrentQueue<Guid> Scopes { get; } = new();
        }
    }
}

internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Collector(Messages);

    public void Dispose()
    {
    }

    private sealed class Collector(ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue(formatter(state, exception));
    }
}
