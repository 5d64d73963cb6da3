extern alias matching;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Primitives.Markets;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using matching::Clearing.Matching.Application;

namespace Clearing.Benchmarks.Matching;

/// <summary>
/// <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- matching-e2e [--orders N] [--rate R] [--batch B] [--batch-window MS] [--reader-fetch-wait MS] [--skip-saturation] [--quick]</c>.
/// OrderCommand produced to clearing.orders.commands.v1 → the matching host's processor (the same
/// <see cref="MatchingProcessor"/> the service runs: books, SQLite book-{market} appends, Kafka transaction) →
/// MatchingEvent read back read_committed from clearing.matching.events.v1, all on the embedded broker in this process.
/// <list type="number">
/// <item>Saturation: N commands wait on the topic before the processor starts; throughput = N / (first event → last event).</item>
/// <item>Latency at a constant offered rate R: each command's latency runs from its scheduled send time (so a
/// stalled producer or host delays everything behind it, coordinated omission corrected) to the arrival of its first
/// event, and separately to the arrival of each fill it caused.</item>
/// </list>
/// <c>--reader-fetch-wait</c> sets the reader's fetch.wait.max.ms (default 1). The embedded broker answers an empty fetch only
/// after the full wait, even when records arrive meanwhile (a real broker answers as soon as fetch.min.bytes are there), so
/// a reader left at librdkafka's default of 500 ms adds up to half a second to every observation at low rates.
/// The baseline in the same run is the broker alone: the same commands at the same rate, read back straight from
/// clearing.orders.commands.v1 (read_committed, same reader settings) with no matching host in between.
/// </summary>
public static class MatchingEndToEndRunner
{
    /// <summary>Matching:BatchWindow of the host under test (0 = take what the consumer has queued, never wait for more).</summary>
    private static int BatchWindowMs { get; set; } = 1;

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var orders = IntArg(args, "--orders", quick ? 20_000 : 100_000);
        var rate = IntArg(args, "--rate", 5_000);
        var batch = IntArg(args, "--batch", 2_000);
        var readerFetchWait = IntArg(args, "--reader-fetch-wait", 1);
        BatchWindowMs = IntArg(args, "--batch-window", 1);
        var latencyOrders = Math.Min(orders, rate * (quick ? 4 : 10));
        Console.WriteLine($"matching end-to-end benchmark: {Environment.ProcessorCount} cores, embedded broker (librdkafka mock cluster), SQLite store, Matching:MaxBatchSize {batch}, Matching:BatchWindow {BatchWindowMs} ms");
        var commands = Flow(orders);

        if (!args.Contains("--skip-saturation"))
        {
            var saturation = Saturation(commands, batch);
            Console.WriteLine($"saturation: {orders:N0} commands → {saturation.Events:N0} events ({saturation.Fills:N0} fills) in {saturation.Seconds:F2} s = {orders / saturation.Seconds:N0} commands/s, {saturation.Events / saturation.Seconds:N0} events/s");
        }

        Console.WriteLine($"reader fetch.wait.max.ms = {readerFetchWait}");
        var baseline = Latency(commands.Take(latencyOrders).ToList(), rate, batch, brokerOnly: true, readerFetchWait);
        Console.WriteLine($"baseline, broker alone at {rate:N0} commands/s offered: command produced → command consumed: {baseline.First}");
        var latency = Latency(commands.Take(latencyOrders).ToList(), rate, batch, brokerOnly: false, readerFetchWait);
        Console.WriteLine($"latency at {rate:N0} commands/s offered ({latencyOrders:N0} commands), command produced → first event consumed: {latency.First}");
        Console.WriteLine($"  command produced → each fill consumed ({latency.FillCount:N0} fills): {latency.Fill}");
        Console.WriteLine($"  achieved: {latency.Achieved:N0} commands/s; p50 / broker-alone p50 = {latency.First.P50 / baseline.First.P50:F1}×");
        return 0;
    }

    /// <summary>Half the commands rest a limit order, half cross with an IOC: every second command fills something.</summary>
    private static List<OrderCommand> Flow(int count)
    {
        var random = new Random(42);
        var commands = new List<OrderCommand>(count);
        var time = 1_800_000_000_000_000_000L;
        for (var i = 0; i < count; i++)
        {
            time += 1_000;
            var (market, mid, tick, lot) = random.Next(2) == 0 ? ("BTC-PERP", 50_000m, 0.5m, 0.001m) : ("ETH-PERP", 3_000m, 0.05m, 0.01m);
            var maker = i % 2 == 0;
            var side = random.Next(2) == 0 ? Side.Buy : Side.Sell;
            var offset = random.Next(1, 20) * tick;
            // Makers rest away from mid on their own side; takers cross to the far side of it.
            var price = maker ? (side == Side.Buy ? mid - offset : mid + offset) : (side == Side.Buy ? mid + 20 * tick : mid - 20 * tick);
            commands.Add(new OrderCommand
            {
                CommandId = $"bench-{i}", Market = market, AccountId = $"acct-{random.Next(1_000)}", TimeUnixNanos = time, Origin = Origin.Trader,
                Place = new PlaceOrder
                {
                    OrderId = $"o{i}", Side = side, Kind = OrderKind.Limit, Price = price.ToString(CultureInfo.InvariantCulture),
                    Quantity = (lot * random.Next(1, 10)).ToString(CultureInfo.InvariantCulture),
                    TimeInForce = maker ? TimeInForce.Gtc : TimeInForce.Ioc,
                },
            });
        }
        return commands;
    }

    private static (double Seconds, int Events, int Fills) Saturation(List<OrderCommand> commands, int batch)
    {
        using var run = new E2eRun(batch);
        using (var producer = run.Producer(preload: true))
        {
            foreach (var command in commands)
            {
                Produce(producer, command);
            }
            producer.Flush(TimeSpan.FromMinutes(1));
        }
        run.EnsureNothingWasDropped(commands.Count);
        var expectedCommands = commands.Count;
        run.Start();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long first = 0, last = 0;
        var events = 0;
        var fills = 0;
        var deadline = Stopwatch.StartNew();
        while (seen.Count < expectedCommands)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException(
                    $"saturation: only {seen.Count} of {expectedCommands} commands answered in 2 minutes; host: {run.Processor.ProcessedInputs:N0} inputs in {run.Processor.CommittedTransactions:N0} transactions, {events:N0} events read");
            }
            if (!run.Events.TryTake(out var received, 100))
            {
                continue;
            }
            first = first == 0 ? received.At : first;
            last = received.At;
            events++;
            fills += received.Event.Fill is null ? 0 : 1;
            seen.Add(received.Event.CommandId);
        }
        return (Stopwatch.GetElapsedTime(first, last).TotalSeconds, events, fills);
    }

    private static (Histogram First, Histogram Fill, int FillCount, double Achieved) Latency(List<OrderCommand> commands, int rate, int batch, bool brokerOnly,
        int readerFetchWait)
    {
        using var run = new E2eRun(batch, brokerOnly, readerFetchWait);
        run.Start();
        var scheduled = new long[commands.Count];
        var index = commands.Select((c, i) => (c.CommandId, i)).ToDictionary(p => p.CommandId, p => p.i, StringComparer.Ordinal);
        var firstLatency = new List<double>(commands.Count);
        var fillLatency = new List<double>(commands.Count);
        var answered = new bool[commands.Count];
        WarmUp(run);
        var start = Stopwatch.GetTimestamp();
        var ticksPerCommand = (double)Stopwatch.Frequency / rate;
        var producing = Task.Run(() =>
        {
            using var producer = run.Producer();
            // Wake every millisecond and send what is due: a spinning sender would take one of the two cores from the host.
            var i = 0;
            while (i < commands.Count)
            {
                var now = Stopwatch.GetTimestamp();
                for (; i < commands.Count && start + (long)(i * ticksPerCommand) <= now; i++)
                {
                    scheduled[i] = start + (long)(i * ticksPerCommand);
                    Produce(producer, commands[i]);
                }
                Thread.Sleep(1);
            }
            producer.Flush(TimeSpan.FromMinutes(1));
        });
        var remaining = commands.Count;
        var watch = Stopwatch.StartNew();
        long lastAt = 0;
        while (remaining > 0)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"latency: {remaining} commands unanswered after 5 minutes");
            }
            if (!run.Events.TryTake(out var received, 100) || !index.TryGetValue(received.Event.CommandId, out var i))
            {
                continue;
            }
            var micros = Stopwatch.GetElapsedTime(scheduled[i], received.At).TotalMicroseconds;
            lastAt = received.At;
            if (received.Event.Fill is not null)
            {
                fillLatency.Add(micros);
            }
            if (!answered[i])
            {
                answered[i] = true;
                firstLatency.Add(micros);
                remaining--;
            }
        }
        producing.GetAwaiter().GetResult();
        if (!brokerOnly)
        {
            Console.WriteLine($"  host: {run.Processor.CommittedTransactions:N0} transactions for {run.Processor.ProcessedInputs:N0} inputs ({(double)run.Processor.ProcessedInputs / Math.Max(1, run.Processor.CommittedTransactions):F1} per transaction)");
        }
        var achieved = commands.Count / Stopwatch.GetElapsedTime(start, lastAt).TotalSeconds;
        return (new Histogram(firstLatency), new Histogram(fillLatency), fillLatency.Count, achieved);
    }

    /// <summary>One command through the whole path before the clock starts: connections, group joins and JIT are not what is measured.</summary>
    private static void WarmUp(E2eRun run)
    {
        using (var producer = run.Producer())
        {
            Produce(producer, new OrderCommand
            {
                CommandId = "warm-up", Market = "BTC-PERP", AccountId = "warm-up", TimeUnixNanos = 1,
                Cancel = new CancelOrder { OrderId = "none" },
            });
            producer.Flush(TimeSpan.FromSeconds(30));
        }
        var deadline = Stopwatch.StartNew();
        while (!run.Events.TryTake(out var e, 100) || e.Event.CommandId != "warm-up")
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("the warm-up command never came back");
            }
        }
    }

    private static void Produce(IProducer<byte[]?, byte[]?> producer, OrderCommand command) =>
        producer.Produce(Topics.OrderCommands, CloudEventsEnvelope.ToKafkaMessage(new OutboundMessage
        {
            Topic = Topics.OrderCommands, Key = command.Market, Type = "clearing.orders.command.v1", Payload = command.ToByteArray(),
            SourceStream = "bench-gateway", SourceSequence = 0, Id = command.CommandId,
        }, "/clearing/bench-gateway", DateTimeOffset.UnixEpoch));

    private static int IntArg(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    /// <summary>An embedded broker, a SQLite store in a temp directory, the matching processor in a generic host, and a reader of its output.</summary>
    private sealed class E2eRun : IDisposable
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-matching-e2e", Guid.NewGuid().ToString("N"));
        private readonly EmbeddedKafkaBroker _broker;
        private readonly IHost _host;
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _reader;

        private readonly bool _brokerOnly;
        private readonly int _readerFetchWait;

        public E2eRun(int batch, bool brokerOnly = false, int readerFetchWait = 1)
        {
            _brokerOnly = brokerOnly;
            _readerFetchWait = readerFetchWait;
            Directory.CreateDirectory(_directory);
            _broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions
            {
                Partitions = 4, Topics = [Topics.OrderCommands, Topics.OraclePrices, Topics.MatchingEvents, Topics.DeadLetters],
            });
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kafka:BootstrapServers"] = _broker.BootstrapServers,
                ["Kafka:ServiceName"] = "matching",
                ["Kafka:GroupProtocol"] = "consumer",
                ["Kafka:MirrorTransactionalOffsets"] = "true",
                ["Kafka:LingerMs"] = "1",
                ["Matching:MaxBatchSize"] = batch.ToString(CultureInfo.InvariantCulture),
                ["Matching:BatchWindow"] = TimeSpan.FromMilliseconds(BatchWindowMs).ToString(),
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddClearingKafka(builder.Configuration);
            builder.Services.AddSingleton<IEventStore>(new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db"))));
            builder.Services.AddSingleton(MarketCatalog.EmbeddedDefaults);
            builder.Services.AddOptions<MatchingOptions>().Bind(builder.Configuration.GetSection(MatchingOptions.Section));
            builder.Services.AddSingleton<HaltFeed>();
            builder.Services.AddSingleton<MarketHalts>();
            builder.Services.AddSingleton<MatchingProcessor>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<MatchingProcessor>());
            _host = builder.Build();
            _reader = new Thread(Read) { IsBackground = true, Name = "e2e-reader" };
        }

        public BlockingCollection<(MatchingEvent Event, long At)> Events { get; } = new();

        public MatchingProcessor Processor => _host.Services.GetRequiredService<MatchingProcessor>();

        /// <summary>
        /// The gateway's producer. A preload batches and compresses (LZ4), as a producer under load does: the embedded broker
        /// (librdkafka's mock cluster) keeps at most 5 MiB or 100 000 batches per partition and silently deletes the oldest
        /// beyond that, so ~14k uncompressed single-record batches per partition were all it could hold — the cause of the
        /// "stall" above ~30k preloaded commands on two partitions (the host started past the deleted head and never saw it).
        /// </summary>
        public IProducer<byte[]?, byte[]?> Producer(bool preload = false) =>
            new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
            {
                BootstrapServers = _broker.BootstrapServers, EnableIdempotence = true, Acks = Acks.All, LingerMs = preload ? 20 : 0,
                CompressionType = CompressionType.Lz4, BatchNumMessages = 10_000,
                Partitioner = Confluent.Kafka.Partitioner.Murmur2Random,
            }).Build();

        /// <summary>Fails loudly when the broker no longer holds every preloaded command (its log start moved past offset 0).</summary>
        public void EnsureNothingWasDropped(int produced)
        {
            using var admin = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = _broker.BootstrapServers, GroupId = "e2e-watermarks" }).Build();
            long held = 0;
            for (var p = 0; p < 4; p++)
            {
                var marks = admin.QueryWatermarkOffsets(new TopicPartition(Topics.OrderCommands, p), TimeSpan.FromSeconds(10));
                if (marks.Low.Value > 0)
                {
                    throw new InvalidOperationException(
                        $"the embedded broker deleted the first {marks.Low.Value:N0} commands of partition {p} (mock cluster retention: 5 MiB or 100 000 batches per partition); fewer --orders");
                }
                held += marks.High.Value;
            }
            if (held != produced)
            {
                throw new InvalidOperationException($"the commands topic holds {held:N0} records, {produced:N0} were produced");
            }
        }

        public void Start()
        {
            _reader.Start();
            if (!_brokerOnly)
            {
                _host.StartAsync().GetAwaiter().GetResult();
                _host.Services.GetRequiredService<MatchingProcessor>().Ready.GetAwaiter().GetResult();
            }
        }

        private void Read()
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
            {
                BootstrapServers = _broker.BootstrapServers, GroupId = $"e2e-{Guid.NewGuid():N}", EnableAutoCommit = false,
                IsolationLevel = IsolationLevel.ReadCommitted, FetchWaitMaxMs = _readerFetchWait, FetchErrorBackoffMs = 1,
            }).Build();
            var topic = _brokerOnly ? Topics.OrderCommands : Topics.MatchingEvents;
            consumer.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            while (!_stop.IsCancellationRequested)
            {
                var record = consumer.Consume(TimeSpan.FromMilliseconds(20));
                if (record?.Message?.Value is { } value)
                {
                    var e = _brokerOnly
                        ? new MatchingEvent { CommandId = OrderCommand.Parser.ParseFrom(value).CommandId }
                        : MatchingEvent.Parser.ParseFrom(value);
                    Events.Add((e, Stopwatch.GetTimestamp()));
                }
            }
            consumer.Close();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _reader.Join(5_000);
            if (!_brokerOnly)
            {
                _host.StopAsync().GetAwaiter().GetResult();
            }
            _host.Dispose();
            _broker.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // SQLite may still hold its file for a moment; the temp directory is cleaned by the OS later.
            }
        }
    }

    private sealed class Histogram(List<double> micros)
    {
        private readonly double[] _sorted = [.. micros.Order()];

        public double P50 => At(0.5);

        private double At(double quantile) => _sorted.Length == 0 ? double.NaN : _sorted[Math.Min(_sorted.Length - 1, (int)(quantile * _sorted.Length))];

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5) / 1_000:F2} ms, p99 {At(0.99) / 1_000:F2} ms, p99.9 {At(0.999) / 1_000:F2} ms, max {(_sorted.Length == 0 ? double.NaN : _sorted[^1]) / 1_000:F2} ms");
    }
}
