using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Benchmarks.Stack;

/// <summary>
/// <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- stack-floor [--stored 10.67] [--produced 5.49] [--consumed 22.0] [--quick]</c>.
/// <para>
/// The least CPU an order can cost in this design, whatever the services do besides: each order's mandated work priced
/// at the bare cost of its parts, measured here in one process on this machine.
/// </para>
/// <list type="bullet">
/// <item>A stored event: an append to a SQLite event store (JSON, hash chain), in batches of 10 and of 100 events per
/// stream, 24 streams in flight (the store's writer commits them together, as it does a service's run of owners).</item>
/// <item>A Kafka message produced with its CloudEvents headers through the process publisher, and one consumed with its
/// envelope read, on the embedded broker (the broker's own work is in the same process, so it is counted).</item>
/// <item>The cheapest request check there is: one HMAC-SHA256 over a 200-byte order, as a session key's check does
/// (the load generator signs the same way, so twice per order).</item>
/// </list>
/// The counts per accepted order are those of a <c>clearing demo --scenario calm --taker-rate 3000 --taker-batch</c> run
/// (stores counted with sqlite3, topics' end offsets with kcat), given as options so another run's counts can be used.
/// The floor times the counts, summed; the ceiling is what two cores could sustain at that floor with nothing else running.
/// </summary>
public static class StackFloorRunner
{
    private const string Topic = "bench.stack.floor";
    private const int InFlight = 24;

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var stored = DoubleArg(args, "--stored", 10.67);
        var produced = DoubleArg(args, "--produced", 5.49);
        var consumed = DoubleArg(args, "--consumed", 22.0);
        var events = quick ? 20_000 : 200_000;
        var messages = quick ? 20_000 : 200_000;

        Console.WriteLine($"stack-floor: {events:N0} events, {messages:N0} messages, {Environment.ProcessorCount} cores");
        var append10 = AppendCost(events, batch: 10);
        var append100 = AppendCost(events, batch: 100);
        var (produce, consume) = KafkaCosts(messages);
        var hmac = HmacCost(quick ? 100_000 : 1_000_000);

        Console.WriteLine();
        Console.WriteLine("| part | µs CPU each | per accepted order | µs CPU per order |");
        Console.WriteLine("|---|---|---|---|");
        var parts = new (string Name, double Each, double Count)[]
        {
            ("stored event (SQLite append, batches of 10)", append10, stored),
            ("Kafka message produced (CloudEvents, acks=all)", produce, produced),
            ("Kafka message consumed (envelope read)", consume, consumed),
            ("HMAC-SHA256 over the order (sign + check)", hmac, 2),
        };
        foreach (var (name, each, count) in parts)
        {
            Console.WriteLine($"| {name} | {each:F2} | {count:F2} | {each * count:F1} |");
        }

        var floor = parts.Sum(p => p.Each * p.Count);
        var floorBatched = floor - append10 * stored + append100 * stored;
        Console.WriteLine();
        Console.WriteLine($"(SQLite append in batches of 100: {append100:F2} µs/event)");
        Console.WriteLine($"floor: {floor:F0} µs CPU per order (with appends in batches of 100: {floorBatched:F0} µs)");
        Console.WriteLine($"ceiling on 2 cores at the floor: {2e6 / floor:N0} orders/s ({2e6 / floorBatched:N0} with batches of 100); the goal needs ≤ {2e6 / 20_000:F0} µs per order");
        return 0;
    }

    /// <summary>µs of process CPU per event appended in batches of <paramref name="batch"/> to fresh streams.</summary>
    private static double AppendCost(int events, int batch)
    {
        var directory = Path.Combine(Path.GetTempPath(), "clearing-floor-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(directory, "events.db")));
            var batches = Enumerable.Range(0, events / batch).Select(b => Batch(b, batch)).ToArray();
            // Warm up the statements and the JIT on streams outside the measured ones.
            for (var i = 0; i < 20; i++)
            {
                store.AppendAsync($"warm-{i}", ExpectedVersion.NoStream, Batch(i, batch)).GetAwaiter().GetResult();
            }

            var cpu = Cpu(() =>
            {
                // As a service appends a run's owners: up to 24 streams at once, which the store's writer commits together.
                var inFlight = new List<Task>(InFlight);
                for (var i = 0; i < batches.Length; i++)
                {
                    inFlight.Add(store.AppendAsync($"account-{i}", ExpectedVersion.NoStream, batches[i]));
                    if (inFlight.Count == InFlight)
                    {
                        Task.WhenAll(inFlight).GetAwaiter().GetResult();
                        inFlight.Clear();
                    }
                }

                Task.WhenAll(inFlight).GetAwaiter().GetResult();
            });
            ((IAsyncDisposable)store).DisposeAsync().AsTask().GetAwaiter().GetResult();
            Console.WriteLine($"  SQLite append, batches of {batch}: {cpu.Cpu * 1e6 / events:F2} µs CPU/event ({events / cpu.Wall:N0} events/s wall)");
            return cpu.Cpu * 1e6 / events;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static EventData[] Batch(int stream, int size) => Enumerable.Range(0, size).Select(i => new EventData(
        EventIds.Next(), "margin.position-changed.v1", 1,
        Encoding.UTF8.GetBytes($"{{\"account\":\"trader-{stream % 24}\",\"market\":\"BTC-PERP\",\"size\":\"1.250\",\"entryPrice\":\"100234.5\",\"realized\":\"-12.5\",\"fee\":\"0.0125\",\"fillId\":\"BTC-PERP:{stream * size + i}\"}}"),
        default, EventIds.Next(), null)).ToArray();

    /// <summary>µs of process CPU per message produced through the publisher, then per message consumed with its envelope.</summary>
    private static (double Produce, double Consume) KafkaCosts(int messages)
    {
        using var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Topics = [Topic], Partitions = 4 });
        var connection = KafkaConnection.ForBootstrap(broker.BootstrapServers, KafkaBrokerMode.EmbeddedInProcess);
        var options = new KafkaOptions { BootstrapServers = broker.BootstrapServers, ServiceName = "floor" };
        using var publisher = new KafkaPublisher(connection, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<KafkaPublisher>.Instance);
        var payload = new byte[150];
        var outbound = Enumerable.Range(0, 256).Select(i => new OutboundMessage
        {
            Topic = Topic,
            Key = $"trader-{i}",
            Type = "clearing.matching.fill.v1",
            Payload = payload,
            SourceStream = $"book-M{i}",
            SourceSequence = i + 1,
        }).ToArray();

        // Warm up the client and the topic's partitions.
        for (var i = 0; i < 1_000; i++)
        {
            publisher.Publish(outbound[i % outbound.Length]);
        }
        publisher.Flush(TimeSpan.FromSeconds(30));

        var produce = Cpu(() =>
        {
            for (var i = 0; i < messages; i++)
            {
                publisher.Publish(outbound[i % outbound.Length]);
            }

            if (publisher.Flush(TimeSpan.FromSeconds(60)) > 0)
            {
                throw new InvalidOperationException("the embedded broker did not take every message within a minute");
            }
        });
        Console.WriteLine($"  Kafka produce: {produce.Cpu * 1e6 / messages:F2} µs CPU/message ({messages / produce.Wall:N0} messages/s wall)");

        var config = KafkaClientConfigs.Consumer(options, connection, "floor-reader");
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(Topic);
        var total = messages + 1_000;
        var read = 0;
        var consume = Cpu(() =>
        {
            var deadline = Stopwatch.StartNew();
            while (read < total)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
                {
                    CloudEventsEnvelope.Read(record);
                    read++;
                }
                else if (deadline.Elapsed > TimeSpan.FromMinutes(2))
                {
                    throw new InvalidOperationException($"read {read} of {total} messages in two minutes");
                }
            }
        });
        consumer.Close();
        // The consume phase includes joining the group; its share is small against 200k messages and counted, not hidden.
        Console.WriteLine($"  Kafka consume: {consume.Cpu * 1e6 / total:F2} µs CPU/message ({total / consume.Wall:N0} messages/s wall)");
        return (produce.Cpu * 1e6 / messages, consume.Cpu * 1e6 / total);
    }

    private static double HmacCost(int checks)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var order = RandomNumberGenerator.GetBytes(200);
        Span<byte> mac = stackalloc byte[32];
        for (var i = 0; i < 10_000; i++)
        {
            HMACSHA256.HashData(key, order, mac);
        }

        var started = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < checks; i++)
        {
            order[i & 127] ^= (byte)i;
            HMACSHA256.HashData(key, order, mac);
        }

        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - started).TotalSeconds;
        Console.WriteLine($"  HMAC-SHA256, 200 bytes: {cpu * 1e6 / checks:F2} µs CPU each ({wall.Elapsed.TotalSeconds * 1e6 / checks:F2} µs wall)");
        return cpu * 1e6 / checks;
    }

    private static (double Cpu, double Wall) Cpu(Action work)
    {
        var process = Process.GetCurrentProcess();
        var started = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        work();
        process.Refresh();
        return ((process.TotalProcessorTime - started).TotalSeconds, wall.Elapsed.TotalSeconds);
    }

    private static double DoubleArg(string[] args, string name, double fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? double.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
