using Clearing.EventSourcing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>
/// Runs one <see cref="OutboxRelay"/> for the life of the host. The relay gets its own producer rather than the
/// process's shared one for two reasons: it needs message.timeout.ms = 0 (see <see cref="OutboxRelayOptions.DeliveryTimeout"/>),
/// and a producer that hits a fatal error (e.g. its idempotence sequence broken by a wiped cluster) must be replaced,
/// which only its owner can do. Publishing resumes from the stored checkpoint with the new producer.
/// </summary>
public sealed partial class OutboxRelayService : BackgroundService
{
    private readonly IEventStore _store;
    private readonly IOutboxTranslator _translator;
    private readonly KafkaConnection _connection;
    private readonly KafkaOptions _kafka;
    private readonly OutboxRelayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private OutboxRelay? _current;

    public OutboxRelayService(
        IEventStore store,
        IOutboxTranslator translator,
        KafkaConnection connection,
        KafkaOptions kafka,
        OutboxRelayOptions options,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        options.Validate();
        _store = store;
        _translator = translator;
        _connection = connection;
        _kafka = kafka;
        _options = options;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger($"Clearing.Messaging.Kafka.Outbox.{options.Name}");
    }

    public string Name => _options.Name;

    /// <summary>The relay running now (replaced after a fatal producer error); null before start.</summary>
    public OutboxRelay? Current => Volatile.Read(ref _current);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before the first store read.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            using var publisher = OutboxProducer.Create(_connection, _kafka, _options, _time, _loggerFactory);
            using var watermarks = new KafkaOutboxWatermarks(_connection, _kafka, _options.Name, _logger);
            var relay = new OutboxRelay(_store, _translator, publisher, watermarks, _options, _time, _logger);
            Volatile.Write(ref _current, relay);
            LogStarting(_logger, _options.Name, _options.CheckpointName, string.Join(", ", _translator.Topics), _connection.BootstrapServers);
            try
            {
                await relay.RunAsync(stoppingToken);
                return;
            }
            catch (OutboxPublisherFatalException e)
            {
                LogReplacingProducer(_logger, e, _options.Name, relay.Checkpoint);
            }

            try
            {
                await Task.Delay(_options.RetryMaxDelay, _time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Relay}: publishing from checkpoint {CheckpointName} to {Topics} at {BootstrapServers}")]
    private static partial void LogStarting(ILogger logger, string relay, string checkpointName, string topics, string bootstrapServers);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {Relay}: the producer failed fatally; replacing it and resuming from checkpoint {Checkpoint}")]
    private static partial void LogReplacingProducer(ILogger logger, Exception exception, string relay, long checkpoint);
}
