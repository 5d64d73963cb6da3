using Clearing.Messaging.Kafka.Embedded;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Clearing.Messaging.Kafka;

/// <summary>Which broker this process talks to.</summary>
public enum KafkaBrokerMode
{
    /// <summary>A real cluster from <c>Kafka:BootstrapServers</c>.</summary>
    External,

    /// <summary>An embedded broker running in another local process, found through <c>Kafka:EmbeddedBootstrapFile</c>.</summary>
    EmbeddedFile,

    /// <summary>An embedded broker started inside this process.</summary>
    EmbeddedInProcess,
}

/// <summary>
/// Resolves the broker once per process: the configured cluster, else a local embedded broker's bootstrap file,
/// else an embedded broker started here. Owns that in-process broker when it started one.
/// </summary>
public sealed class KafkaConnection : IAsyncDisposable
{
    private readonly EmbeddedKafkaBroker? _ownedBroker;

    public KafkaConnection(IOptions<KafkaOptions> options, ILogger<KafkaConnection> logger)
    {
        var o = options.Value;
        if (!string.IsNullOrWhiteSpace(o.BootstrapServers))
        {
            Mode = KafkaBrokerMode.External;
            BootstrapServers = o.BootstrapServers;
            logger.LogInformation("Kafka mode: external cluster at {BootstrapServers} (from Kafka:BootstrapServers)", BootstrapServers);
        }
        else if (!string.IsNullOrWhiteSpace(o.EmbeddedBootstrapFile))
        {
            if (!File.Exists(o.EmbeddedBootstrapFile))
            {
                throw new InvalidOperationException(
                    $"Kafka:EmbeddedBootstrapFile '{o.EmbeddedBootstrapFile}' does not exist: start `clearing broker` first or set Kafka:BootstrapServers.");
            }

            Mode = KafkaBrokerMode.EmbeddedFile;
            try
            {
                BootstrapServers = EmbeddedKafkaBroker.ReadBootstrapFile(o.EmbeddedBootstrapFile);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"Kafka:EmbeddedBootstrapFile: {e.Message}", e);
            }

            logger.LogInformation(
                "Kafka mode: embedded broker of another local process at {BootstrapServers} (from Kafka:EmbeddedBootstrapFile {File}); in-memory, not for production",
                BootstrapServers,
                o.EmbeddedBootstrapFile);
        }
        else
        {
            Mode = KafkaBrokerMode.EmbeddedInProcess;
            _ownedBroker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Partitions = o.EmbeddedPartitions });
            BootstrapServers = _ownedBroker.BootstrapServers;
            logger.LogWarning(
                "Kafka mode: Kafka:BootstrapServers is not set, so an in-process embedded broker (librdkafka mock cluster, in-memory) was started at {BootstrapServers}",
                BootstrapServers);
        }

        MirrorTransactionalOffsets = o.MirrorTransactionalOffsets ?? Mode != KafkaBrokerMode.External;
    }

    private KafkaConnection(string bootstrapServers, KafkaBrokerMode mode, bool mirrorTransactionalOffsets)
    {
        BootstrapServers = bootstrapServers;
        Mode = mode;
        MirrorTransactionalOffsets = mirrorTransactionalOffsets;
    }

    public KafkaBrokerMode Mode { get; }

    public string BootstrapServers { get; }

    /// <summary>True when transactional offsets are also committed plainly (the embedded broker does not keep them).</summary>
    public bool MirrorTransactionalOffsets { get; }

    /// <summary>The in-process broker, when this connection started one (fault tests reach it here).</summary>
    public EmbeddedKafkaBroker? EmbeddedBroker => _ownedBroker;

    /// <summary>A connection to a known endpoint, for tools and tests that resolve the broker themselves.</summary>
    public static KafkaConnection ForBootstrap(string bootstrapServers, KafkaBrokerMode mode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        return new KafkaConnection(bootstrapServers, mode, mirrorTransactionalOffsets: mode != KafkaBrokerMode.External);
    }

    /// <summary>Resolves from options without DI (tests, tools).</summary>
    public static KafkaConnection Create(KafkaOptions options, ILogger<KafkaConnection>? logger = null) =>
        new(Options.Create(options), logger ?? NullLogger<KafkaConnection>.Instance);

    public ValueTask DisposeAsync() => _ownedBroker?.DisposeAsync() ?? ValueTask.CompletedTask;
}
