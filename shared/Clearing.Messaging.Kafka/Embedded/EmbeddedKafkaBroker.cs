using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Clearing.Messaging.Kafka.Embedded;

/// <summary>
/// A Kafka-protocol broker for local runs and tests: librdkafka's mock cluster, in memory, on 127.0.0.1.
/// Any Kafka client (other processes, <c>kcat</c>) connects over TCP to <see cref="BootstrapServers"/>.
/// </summary>
/// <remarks>
/// Known limits of the mock cluster (librdkafka 2.16), which the rest of the library accounts for:
/// it does not hide aborted transactional records from read_committed consumers (its Fetch answers carry
/// no aborted-transaction list) and it drops offsets sent in a transaction (TxnOffsetCommit is accepted
/// but not stored). CreateTopics is refused (no controller); topics are created here through the mock API
/// and otherwise auto-created with 4 partitions. Everything is lost when the broker stops, which is why the
/// event store, not Kafka, is the record of truth (DESIGN.md §6).
/// </remarks>
public sealed class EmbeddedKafkaBroker : IAsyncDisposable, IDisposable
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _topics = new(StringComparer.Ordinal);
    private IntPtr _handle;
    private IntPtr _cluster;

    private EmbeddedKafkaBroker(IntPtr handle, IntPtr cluster, string bootstrapServers, int brokerCount, string? bootstrapFile)
    {
        _handle = handle;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
        BrokerCount = brokerCount;
        BootstrapFile = bootstrapFile;
    }

    /// <summary>Comma-separated 127.0.0.1:port list of the brokers.</summary>
    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    /// <summary>Broker ids accepted by <see cref="SetBrokerDown"/> and <see cref="SetBrokerUp"/>.</summary>
    public IReadOnlyList<int> BrokerIds => Enumerable.Range(1, BrokerCount).ToArray();

    /// <summary>The file the bootstrap string was written to, if any.</summary>
    public string? BootstrapFile { get; }

    public IReadOnlyCollection<string> CreatedTopics
    {
        get
        {
            lock (_gate)
            {
                return _topics.ToArray();
            }
        }
    }

    /// <summary>Starts the brokers, creates the topics and writes the bootstrap file when one is configured.</summary>
    public static EmbeddedKafkaBroker Start(EmbeddedKafkaBrokerOptions? options = null)
    {
        options ??= new EmbeddedKafkaBrokerOptions();
        options.Validate();

        var handle = CreateMockHandle(options.BrokerCount);
        EmbeddedKafkaBroker? broker = null;
        try
        {
            var cluster = LibrdkafkaMockNative.rd_kafka_handle_mock_cluster(handle);
            if (cluster == IntPtr.Zero)
            {
                throw new InvalidOperationException("librdkafka did not start a mock cluster (test.mock.num.brokers was ignored).");
            }

            var bootstrap = Marshal.PtrToStringUTF8(LibrdkafkaMockNative.rd_kafka_mock_cluster_bootstraps(cluster))
                ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");

            LibrdkafkaMockNative.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, (int)options.GroupInitialRebalanceDelay.TotalMilliseconds);
            broker = new EmbeddedKafkaBroker(handle, cluster, bootstrap, options.BrokerCount, options.BootstrapFile);
            foreach (var topic in options.Topics)
            {
                broker.CreateTopic(topic, options.Partitions);
            }

            if (options.BootstrapFile is not null)
            {
                WriteBootstrapFile(options.BootstrapFile, bootstrap);
            }

            return broker;
        }
        catch
        {
            if (broker is not null)
            {
                broker.Dispose();
            }
            else
            {
                LibrdkafkaMockNative.rd_kafka_destroy(handle);
            }

            throw;
        }
    }

    /// <summary>Reads a bootstrap file written by a broker in another process.</summary>
    public static string ReadBootstrapFile(string path)
    {
        var text = File.ReadAllText(path).Trim();
        if (text.Length == 0)
        {
            throw new InvalidOperationException($"The Kafka bootstrap file '{path}' is empty.");
        }

        return text;
    }

    /// <summary>Creates a topic; creating an existing topic again is a no-op.</summary>
    public void CreateTopic(string topic, int partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        lock (_gate)
        {
            var cluster = LiveCluster();
            if (_topics.Contains(topic))
            {
                return;
            }

            var err = LibrdkafkaMockNative.rd_kafka_mock_topic_create(cluster, topic, partitions, Math.Min(3, BrokerCount));
            // A topic someone already auto-created by producing to it is fine to keep.
            if (err != 0 && err != (int)ErrorCode.TopicAlreadyExists)
            {
                throw new InvalidOperationException($"Creating topic '{topic}' on the embedded broker failed: {LibrdkafkaMockNative.ErrorText(err)}.");
            }

            _topics.Add(topic);
        }
    }

    /// <summary>Takes a broker off the network (connections refused) for fault tests.</summary>
    public void SetBrokerDown(int brokerId) => BrokerCall(brokerId, LibrdkafkaMockNative.rd_kafka_mock_broker_set_down, "down");

    /// <summary>Brings a broker taken down by <see cref="SetBrokerDown"/> back.</summary>
    public void SetBrokerUp(int brokerId) => BrokerCall(brokerId, LibrdkafkaMockNative.rd_kafka_mock_broker_set_up, "up");

    /// <summary>
    /// Makes the next requests of one protocol API fail with the given errors, one error per request,
    /// in order, on whichever broker receives them (fault tests).
    /// </summary>
    public unsafe void InjectRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0)
        {
            return;
        }

        var codes = errors.Select(e => (int)e).ToArray();
        lock (_gate)
        {
            var cluster = LiveCluster();
            fixed (int* codesPtr = codes)
            {
                LibrdkafkaMockNative.rd_kafka_mock_push_request_errors_array(cluster, (short)apiKey, (nuint)codes.Length, codesPtr);
            }
        }
    }

    /// <summary>Drops errors queued by <see cref="InjectRequestErrors"/> that no request consumed yet.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey)
    {
        lock (_gate)
        {
            LibrdkafkaMockNative.rd_kafka_mock_clear_request_errors(LiveCluster(), (short)apiKey);
        }
    }

    public void Dispose()
    {
        IntPtr handle;
        lock (_gate)
        {
            handle = _handle;
            _handle = IntPtr.Zero;
            _cluster = IntPtr.Zero;
        }

        if (handle == IntPtr.Zero)
        {
            return;
        }

        // Destroying the owning handle stops the mock brokers and closes their sockets.
        LibrdkafkaMockNative.rd_kafka_destroy(handle);
        RemoveBootstrapFileIfOurs();
    }

    public ValueTask DisposeAsync()
    {
        // rd_kafka_destroy joins librdkafka's threads; keep that off the caller's synchronization context.
        return new ValueTask(Task.Run(Dispose));
    }

    private void BrokerCall(int brokerId, Func<IntPtr, int, int> call, string what)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids run from 1 to {BrokerCount}.");
        }

        lock (_gate)
        {
            var err = call(LiveCluster(), brokerId);
            if (err != 0)
            {
                throw new InvalidOperationException($"Setting embedded broker {brokerId} {what} failed: {LibrdkafkaMockNative.ErrorText(err)}.");
            }
        }
    }

    private IntPtr LiveCluster()
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        return _cluster;
    }

    private static unsafe IntPtr CreateMockHandle(int brokerCount)
    {
        const int errorCapacity = 512;
        var conf = LibrdkafkaMockNative.rd_kafka_conf_new();
        var error = stackalloc byte[errorCapacity];
        foreach (var (name, value) in new[]
                 {
                     ("test.mock.num.brokers", brokerCount.ToString()),
                     ("client.id", "clearing-embedded-broker"),
                     // The "mock cluster enabled" notice is noise; warnings and errors still print.
                     ("log_level", "4"),
                 })
        {
            if (LibrdkafkaMockNative.rd_kafka_conf_set(conf, name, value, error, errorCapacity) != 0)
            {
                LibrdkafkaMockNative.rd_kafka_conf_destroy(conf);
                throw new InvalidOperationException($"librdkafka refused {name}={value}: {Marshal.PtrToStringUTF8((IntPtr)error)}");
            }
        }

        var handle = LibrdkafkaMockNative.rd_kafka_new(LibrdkafkaMockNative.ProducerType, conf, error, errorCapacity);
        if (handle == IntPtr.Zero)
        {
            // rd_kafka_new takes ownership of conf only when it succeeds.
            LibrdkafkaMockNative.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"librdkafka could not create the mock cluster handle: {Marshal.PtrToStringUTF8((IntPtr)error)}");
        }

        return handle;
    }

    private static void WriteBootstrapFile(string path, string bootstrap)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // Write-then-rename so a reader never sees a half-written line.
        var temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, bootstrap + "\n");
        File.Move(temp, path, overwrite: true);
    }

    private void RemoveBootstrapFileIfOurs()
    {
        if (BootstrapFile is null || !File.Exists(BootstrapFile))
        {
            return;
        }

        // Another broker may have replaced the file since; only remove what still points at us.
        if (File.ReadAllText(BootstrapFile).Trim() == BootstrapServers)
        {
            File.Delete(BootstrapFile);
        }
    }
}
