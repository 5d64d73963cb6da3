extern alias margin;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Dapr.State;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Domain.Options;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Primitives.Markets;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using margin::Clearing.Margin.Application;
using margin::Clearing.Margin.Integration;

namespace Clearing.Benchmarks.Margin;

/// <summary>
/// <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- margin-e2e [--holders N] [--swing K] [--ticks T] [--rate R] [--quick]</c>.
/// PriceUpdate produced to clearing.oracle.prices.v1 → the margin host's own path, wired as MarginServiceExtensions wires
/// it (the margin-prices Kafka consumer → OraclePriceGateway → AccountBook revaluation → SQLite account-{owner} append of
/// the RiskEventRecorded → the outbox relay with MarginOutboxTranslator) → RiskEvent read back from
/// clearing.margin.risk.v1, all on the embedded broker in this process.
/// <para>
/// Accounts: N holders long 0.01 BTC-PERP on 10 000 USDC (healthy throughout: the tick filter passes over them) and K
/// "swing" accounts long 1 BTC-PERP on 3 000 USDC. The price alternates 100 000 ↔ 98 000 at R ticks/s, so every tick
/// moves every swing account across maintenance: down, HealthChanged + LiquidationRequired each; up, HealthChanged each.
/// A tick's latency runs from its scheduled send time (coordinated omission corrected) to the arrival of its first risk
/// event, and to the arrival of its last (all 2K or K of them).
/// </para>
/// The baseline in the same run is the broker alone: each PriceUpdate read back from clearing.oracle.prices.v1 by the
/// same reader (read_committed, same settings).
/// </summary>
public static class PriceTickToRiskEventRunner
{
    private const string Asset = "BTC";
    private const decimal High = 100_000m;
    private const decimal Low = 98_000m;

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var holders = IntArg(args, "--holders", quick ? 200 : 1_000);
        var swing = IntArg(args, "--swing", 5);
        var ticks = IntArg(args, "--ticks", quick ? 100 : 400);
        var rate = IntArg(args, "--rate", 10);
        // librdkafka's fetch.wait.max.ms (default 500) for margin's consumer: unset, the stack's setting.
        var fetchWait = Array.IndexOf(args, "--fetch-wait-ms") >= 0 ? IntArg(args, "--fetch-wait-ms", 500) : (int?)null;
        Console.WriteLine($"margin price tick → risk event benchmark: {Environment.ProcessorCount} cores, embedded broker (librdkafka mock cluster), SQLite store; " +
            $"{holders:N0} healthy holders + {swing} swing accounts on BTC-PERP, {ticks} ticks at {rate}/s; " +
            $"margin consumer fetch.wait.max.ms {(fetchWait is { } ms ? ms.ToString(CultureInfo.InvariantCulture) : "librdkafka default (500)")}");

        using var run = new MarginRun(fetchWait);
        var setup = Stopwatch.StartNew();
        run.SeedAsync(holders, swing).GetAwaiter().GetResult();
        Console.WriteLine($"  seeded {holders + swing + 1:N0} accounts in {setup.Elapsed.TotalSeconds:F1} s");
        run.Start();
        var firstSequence = run.WarmUp();

        var scheduled = new long[ticks];
        var sent = new long[ticks];
        var expected = Enumerable.Range(0, ticks).Select(i => i % 2 == 0 ? 2 * swing : swing).ToArray();
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
        var ticksPerUpdate = (double)Stopwatch.Frequency / rate;
        var producing = Task.Run(() =>
        {
            using var producer = run.Producer();
            for (var i = 0; i < ticks; i++)
            {
                scheduled[i] = start + (long)(i * ticksPerUpdate);
                while (Stopwatch.GetTimestamp() < scheduled[i])
                {
                    Thread.Sleep(1);
                }

                sent[i] = Stopwatch.GetTimestamp();
                Produce(producer, firstSequence + i, i % 2 == 0 ? Low : High);
            }

            producer.Flush(TimeSpan.FromMinutes(1));
        });

        var first = new double[ticks];
        var last = new double[ticks];
        var broker = new List<double>(ticks);
        var seen = new int[ticks];
        var complete = 0;
        var watch = Stopwatch.StartNew();
        while (complete < ticks)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{ticks - complete} ticks without all their risk events after 5 minutes; margin revalued {run.Book.RevaluedAccounts:N0} accounts");
            }

            if (!run.Received.TryTake(out var received, 100))
            {
                continue;
            }

            var i = (int)(received.Sequence - firstSequence);
            if (i < 0 || i >= ticks)
            {
                continue;
            }

            var micros = Stopwatch.GetElapsedTime(scheduled[i], received.At).TotalMicroseconds;
            if (received.IsPrice)
            {
                broker.Add(micros);
                continue;
            }

            if (seen[i]++ == 0)
            {
                first[i] = micros;
            }

            if (seen[i] == expected[i])
            {
                last[i] = micros;
                complete++;
            }
        }

        producing.GetAwaiter().GetResult();
        var lateSends = sent.Zip(scheduled).Count(p => Stopwatch.GetElapsedTime(p.Second, p.First) > TimeSpan.FromMilliseconds(5));
        var brokerAlone = new Histogram(broker);
        var firstEvent = new Histogram([.. first]);
        Console.WriteLine($"baseline, broker alone: PriceUpdate produced → PriceUpdate consumed: {brokerAlone}");
        Console.WriteLine($"price tick produced → first RiskEvent consumed on {Topics.MarginRisk}: {firstEvent}");
        Console.WriteLine($"price tick produced → last RiskEvent of the tick consumed ({swing}-{2 * swing} per tick): {new Histogram([.. last])}");
        var toHandler = new Histogram([.. Enumerable.Range(0, ticks).Select(i => Stopwatch.GetElapsedTime(scheduled[i], run.Handled[firstSequence + i].Entered).TotalMicroseconds)]);
        var inHandler = new Histogram([.. Enumerable.Range(0, ticks).Select(i => Stopwatch.GetElapsedTime(run.Handled[firstSequence + i].Entered, run.Handled[firstSequence + i].Left).TotalMicroseconds)]);
        Console.WriteLine($"  of which produced → margin's handler starts: {toHandler}");
        Console.WriteLine($"  of which in the handler (revalue, append, read model): {inHandler}");
        Console.WriteLine($"  p50 / broker-alone p50 = {firstEvent.P50 / brokerAlone.P50:F1}×; p99 / broker-alone p99 = {firstEvent.P99 / brokerAlone.P99:F1}×; " +
            $"{run.Book.RevaluedAccounts:N0} exact revaluations; {lateSends} of {ticks} sends more than 5 ms late");
        return 0;
    }

    private static void Produce(IProducer<byte[]?, byte[]?> producer, long sequence, decimal price)
    {
        var update = new PriceUpdate
        {
            Asset = Asset,
            Sequence = sequence,
            TimeUnixNanos = 1_800_000_000_000_000_000L + sequence * 1_000_000L,
            Status = PriceStatus.Ok,
            IndexPrice = price.ToString(CultureInfo.InvariantCulture),
        };
        update.Marks.Add(new MarkPrice { Market = "BTC-PERP", MarkPrice_ = price.ToString(CultureInfo.InvariantCulture) });
        producer.Produce(Topics.OraclePrices, CloudEventsEnvelope.ToKafkaMessage(new OutboundMessage
        {
            Topic = Topics.OraclePrices, Key = Asset, Type = "clearing.oracle.price-update.v1", Payload = update.ToByteArray(),
            SourceStream = $"oracle-{Asset}", SourceSequence = sequence, Id = $"oracle-{Asset}:{sequence}",
        }, "/clearing/oracle-ingest", DateTimeOffset.UnixEpoch));
    }

    private static int IntArg(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    /// <summary>What the reader saw: a risk event (its trigger price sequence) or, for the baseline, the price update itself.</summary>
    private readonly record struct Arrival(long Sequence, bool IsPrice, long At);

    /// <summary>An embedded broker, a SQLite store in a temp directory, margin's price consumer and outbox relay in a generic host, and a reader.</summary>
    private sealed class MarginRun : IDisposable
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-margin-e2e", Guid.NewGuid().ToString("N"));
        private readonly EmbeddedKafkaBroker _broker;
        private readonly SqliteEventStore _store;
        private readonly SqliteStateStore _state;
        private readonly IHost _host;
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _reader;

        public MarginRun(int? fetchWaitMs)
        {
            Directory.CreateDirectory(_directory);
            _broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions
            {
                Partitions = 4, Topics = [Topics.OraclePrices, Topics.MarginRisk, Topics.MarginLedger, Topics.DeadLetters],
            });
            _store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
            _state = new SqliteStateStore("margin-risk", Path.Combine(_directory, "state.db"));
            Book = new AccountBook(
                _store,
                new AccountDecider(new RiskCalculator(MarketCatalog.EmbeddedDefaults, MarginParameters.Default, PortfolioMargin.Default)),
                new PriceBook(),
                new AccountRiskViews(_state),
                TimeProvider.System,
                NullLogger<AccountBook>.Instance);

            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kafka:BootstrapServers"] = _broker.BootstrapServers,
                ["Kafka:ServiceName"] = "margin",
                ["Kafka:GroupProtocol"] = "consumer",
                ["Kafka:LingerMs"] = "1",
            });
            if (fetchWaitMs is { } wait)
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Kafka:Properties:fetch.wait.max.ms"] = wait.ToString(CultureInfo.InvariantCulture) });
            }

            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddClearingKafka(builder.Configuration);
            builder.Services.AddSingleton<IEventStore>(_store);
            builder.Services.AddSingleton(Book);
            builder.Services.AddSingleton(sp => new OraclePriceGateway(Book, sp.GetRequiredService<ILogger<OraclePriceGateway>>()));
            // The same consumer and relay definitions as MarginServiceExtensions.AddMarginService.
            builder.Services.AddKafkaConsumer(
                new KafkaConsumerDefinition<PriceUpdate> { Name = "margin-prices", Topics = [Topics.OraclePrices], Deserializer = new ProtobufPayloadDeserializer<PriceUpdate>() },
                sp =>
                {
                    var gateway = sp.GetRequiredService<OraclePriceGateway>();
                    // Timestamps around the gateway split the path: delivery to margin, revaluation + append, relay + broker.
                    return async (message, cancellationToken) =>
                    {
                        var entered = Stopwatch.GetTimestamp();
                        await gateway.HandleAsync(message, cancellationToken);
                        Handled[message.Payload.Sequence] = (entered, Stopwatch.GetTimestamp());
                    };
                });
            builder.Services.AddOutboxRelay<MarginOutboxTranslator>(new OutboxRelayOptions { Name = "margin" });
            _host = builder.Build();
            _reader = new Thread(Read) { IsBackground = true, Name = "margin-e2e-reader" };
        }

        public AccountBook Book { get; }

        public BlockingCollection<Arrival> Received { get; } = new();

        /// <summary>Per price sequence: when margin's handler started and finished it.</summary>
        public ConcurrentDictionary<long, (long Entered, long Left)> Handled { get; } = new();

        /// <summary>Deposits and fills through the book and the fill gateway (as consumed fills would arrive), before the host starts.</summary>
        public async Task SeedAsync(int holders, int swing)
        {
            var at = DateTimeOffset.UnixEpoch;
            await Deposit("bank", 1_000_000_000m);
            var fills = new MatchingFillGateway(Book);
            var sequence = 0L;
            async Task Long(string account, decimal deposit, decimal quantity)
            {
                await Deposit(account, deposit);
                sequence++;
                var fill = new MatchingEvent
                {
                    Market = "BTC-PERP", Sequence = sequence, TimeUnixNanos = 1,
                    Fill = new Fill
                    {
                        FillId = $"BTC-PERP:{sequence}", Price = "100000", Quantity = quantity.ToString(CultureInfo.InvariantCulture), TakerSide = Side.Buy,
                        TakerAccountId = account, MakerAccountId = "bank", TakerFee = "0", MakerFee = "0", FeeAsset = "USDC",
                    },
                };
                await fills.HandleAsync(new KafkaInboundMessage<MatchingEvent>(fill, new KafkaMessageMetadata
                {
                    Topic = Topics.MatchingEvents, Partition = 0, Offset = sequence, Key = "BTC-PERP", Id = $"book-BTC-PERP:{sequence}", Type = "fill",
                    Source = "seed", Subject = "BTC-PERP", Time = at, SourceStream = "book-BTC-PERP", SourceSequence = sequence,
                }), CancellationToken.None);
            }

            for (var i = 0; i < holders; i++)
            {
                await Long($"holder-{i}", 10_000m, 0.01m);
            }

            for (var i = 0; i < swing; i++)
            {
                await Long($"swing-{i}", 3_000m, 1m);
            }

            Task Deposit(string account, decimal amount) => Book.ExecuteAsync(account,
                (state, prices) => Book.Decider.Decide(state, new Deposit(account, "USDC", amount, $"seed-{account}", at), prices), CancellationToken.None);
        }

        public void Start()
        {
            _reader.Start();
            _host.StartAsync().GetAwaiter().GetResult();
        }

        /// <summary>Ticks at the high price until margin has applied one (group joined, JIT done); returns the first measured sequence.</summary>
        public long WarmUp()
        {
            using var producer = Producer();
            var deadline = Stopwatch.StartNew();
            for (var sequence = 1L; ; sequence++)
            {
                Produce(producer, sequence, High);
                producer.Flush(TimeSpan.FromSeconds(10));
                Thread.Sleep(200);
                if (Book.Prices.Current.Assets.TryGetValue(Asset, out var price) && price.Sequence >= 1)
                {
                    // Let the relay publish the seed's history before the clock starts, and drop what the reader saw so far.
                    Thread.Sleep(2_000);
                    while (Received.TryTake(out _))
                    {
                    }

                    return sequence + 1;
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("margin applied no price within 60 s of the host starting");
                }
            }
        }

        public IProducer<byte[]?, byte[]?> Producer() =>
            new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig
            {
                BootstrapServers = _broker.BootstrapServers, EnableIdempotence = true, Acks = Acks.All, LingerMs = 0,
            }).Build();

        private void Read()
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
            {
                BootstrapServers = _broker.BootstrapServers, GroupId = $"margin-e2e-{Guid.NewGuid():N}", EnableAutoCommit = false,
                IsolationLevel = IsolationLevel.ReadCommitted, FetchWaitMaxMs = 1, FetchErrorBackoffMs = 1,
            }).Build();
            consumer.Assign(Enumerable.Range(0, 4).SelectMany(p => new[]
            {
                new TopicPartitionOffset(Topics.MarginRisk, p, Offset.Beginning),
                new TopicPartitionOffset(Topics.OraclePrices, p, Offset.Beginning),
            }));
            while (!_stop.IsCancellationRequested)
            {
                var record = consumer.Consume(TimeSpan.FromMilliseconds(20));
                if (record?.Message?.Value is not { } value)
                {
                    continue;
                }

                var at = Stopwatch.GetTimestamp();
                if (record.Topic == Topics.OraclePrices)
                {
                    Received.Add(new Arrival(PriceUpdate.Parser.ParseFrom(value).Sequence, IsPrice: true, at));
                }
                else if (RiskEvent.Parser.ParseFrom(value) is { Risk: { TriggerAsset: Asset } risk })
                {
                    Received.Add(new Arrival(risk.TriggerPriceSequence, IsPrice: false, at));
                }
            }

            consumer.Close();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _reader.Join(5_000);
            _host.StopAsync().GetAwaiter().GetResult();
            _host.Dispose();
            _broker.Dispose();
            _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _state.Dispose();
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

        public double P99 => At(0.99);

        private double At(double quantile) => _sorted.Length == 0 ? double.NaN : _sorted[Math.Min(_sorted.Length - 1, (int)(quantile * _sorted.Length))];

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5) / 1_000:F2} ms, p99 {At(0.99) / 1_000:F2} ms, max {(_sorted.Length == 0 ? double.NaN : _sorted[^1]) / 1_000:F2} ms ({_sorted.Length} samples)");
    }
}
