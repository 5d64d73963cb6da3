using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Messaging.Kafka;
using Confluent.Kafka;

namespace Clearing.Matching.Tests.Host;

/// <summary>
/// The built matching host (services/matching/Clearing.Matching/bin/…/Clearing.Matching.dll) run as its own OS process,
/// as `clearing up` runs it, against an embedded broker found through its bootstrap file.
/// </summary>
internal sealed class MatchingProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private MatchingProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Every line the process wrote so far.</summary>
    public IReadOnlyList<string> Lines => _output.ToArray();

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string Tail => string.Join(Environment.NewLine, _output.TakeLast(40));

    public static MatchingProcess Start(string dataDirectory, string bootstrapFile, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = LocateHost();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        var environment = new Dictionary<string, string>
        {
            ["Clearing__DataDirectory"] = dataDirectory,
            ["Clearing__Grpc__Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Clearing__Grpc__Address"] = "127.0.0.1",
            ["Clearing__Http__Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Clearing__Http__Address"] = "127.0.0.1",
            ["Kafka__EmbeddedBootstrapFile"] = bootstrapFile,
            ["Dapr__Enabled"] = "false",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Clearing.Matching"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new MatchingProcess(process);
        process.OutputDataReceived += (_, e) => host.Record(e.Data);
        process.ErrorDataReceived += (_, e) => host.Record(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {dll}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>SIGKILL: no shutdown hook, no flush, no transaction abort.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > 200)
        {
            _output.TryDequeue(out _);
        }
    }

    public static string LocateHost()
    {
        var baseDirectory = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var configuration = baseDirectory.Parent?.Name ?? "Debug";
        for (var dir = baseDirectory; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clearing.sln")))
            {
                var bin = Path.Combine(dir.FullName, "services", "matching", "Clearing.Matching", "bin");
                var candidates = new[] { configuration, configuration == "Release" ? "Debug" : "Release" }
                    .Select(c => Path.Combine(bin, c, "net10.0", "Clearing.Matching.dll"));
                return candidates.FirstOrDefault(File.Exists)
                    ?? throw new FileNotFoundException($"the matching host is not built under {bin} (the test project references it, so building the tests builds it)");
            }
        }
        throw new DirectoryNotFoundException($"no Clearing.sln above {AppContext.BaseDirectory}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Publishes order commands as the gateway does (CloudEvents envelope, key = market) and reads matching events back.</summary>
internal static class KafkaTraffic
{
    public static IProducer<byte[]?, byte[]?> Producer(string bootstrap) =>
        new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 1,
            Partitioner = Confluent.Kafka.Partitioner.Murmur2Random,
        }).Build();

    public static void Produce(IProducer<byte[]?, byte[]?> producer, OrderCommand command) =>
        producer.Produce(Topics.OrderCommands, CloudEventsEnvelope.ToKafkaMessage(new OutboundMessage
        {
            Topic = Topics.OrderCommands,
            Key = command.Market,
            Type = "clearing.orders.command.v1",
            Payload = Google.Protobuf.MessageExtensions.ToByteArray(command),
            SourceStream = "gateway-test",
            SourceSequence = 0,
            Id = command.CommandId,
        }, "/clearing/test-gateway", DateTimeOffset.UnixEpoch));

    /// <summary>A read_committed reader of every partition of the matching events topic from its start, on its own thread.</summary>
    public sealed class EventReader : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private readonly ConcurrentQueue<(MatchingEvent Event, byte[] Bytes, DateTime Received)> _events = new();

        public EventReader(string bootstrap, int partitions)
        {
            var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = $"reader-{Guid.NewGuid():N}",
                EnableAutoCommit = false,
                IsolationLevel = IsolationLevel.ReadCommitted,
                FetchWaitMaxMs = 5,
            }).Build();
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(Topics.MatchingEvents, p, Offset.Beginning)));
            _thread = new Thread(() =>
            {
                try
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        var record = consumer.Consume(TimeSpan.FromMilliseconds(50));
                        if (record?.Message?.Value is { } value)
                        {
                            _events.Enqueue((MatchingEvent.Parser.ParseFrom(value), value, DateTime.UtcNow));
                        }
                    }
                }
                finally
                {
                    consumer.Close();
                    consumer.Dispose();
                }
            }) { IsBackground = true, Name = "matching-event-reader" };
            _thread.Start();
        }

        public int Count => _events.Count;

        public IReadOnlyList<(MatchingEvent Event, byte[] Bytes, DateTime Received)> Events => _events.ToArray();

        public async Task WaitForAsync(Func<IReadOnlyList<(MatchingEvent Event, byte[] Bytes, DateTime Received)>, bool> condition, TimeSpan timeout, Func<string> describe)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!condition(Events))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"matching events did not arrive within {timeout}: {describe()}");
                }
                await Task.Delay(50);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join(5_000);
            _stop.Dispose();
        }
    }
}
