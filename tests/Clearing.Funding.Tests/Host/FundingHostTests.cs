using Clearing.Contracts;
using Clearing.Contracts.Funding.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.EventSourcing;
using Clearing.Funding.Application;
using Clearing.Funding.Domain;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Producing;
using Clearing.ServiceDefaults.Security;
using Confluent.Kafka;
using Google.Protobuf;
using Grpc.Net.Client;
using Grpc.Core;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NSec.Cryptography;

namespace Clearing.Funding.Tests.Host;

/// <summary>
/// The funding host end to end, in-process with its own embedded broker: a book and an index go in on the public
/// topics, a rate comes out at the boundary on clearing.funding.events.v1, the query answers it from the stream, and
/// the stream replays to the same rates. Two-second intervals of half-second samples keep the run to a few seconds.
/// </summary>
public sealed class FundingHostTests : IAsyncLifetime
{
    private const string OperatorId = "ops-funding-tests";
    private static readonly Key OperatorKey = Key.Create(SignatureAlgorithm.Ed25519);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "clearing-funding-tests", Guid.NewGuid().ToString("N"));
    private WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clearing:DataDirectory"] = _dataDirectory,
            [$"Clearing:Auth:Operators:{OperatorId}"] = Ed25519Keys.Export(OperatorKey.PublicKey),
            ["Funding:Defaults:Interval"] = "00:00:02",
            ["Funding:Defaults:SamplePeriod"] = "00:00:00.5",
            ["Funding:Defaults:ImpactNotional"] = "1000",
            ["Funding:Defaults:Cap"] = "0.05",
        };
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings));
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        });
        _ = _factory.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing background thread: the OS cleans the temp directory later.
        }
    }

    [Fact]
    public async Task a_rich_book_sets_a_positive_rate_at_the_boundary_published_queryable_and_replayable()
    {
        var services = _factory.Services;
        var publisher = services.GetRequiredService<IKafkaPublisher>();
        var nowNanos = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;

        // Best bid 101 (the impact bid for 1,000 notional), best ask 102, then index 100: the perp is 1% rich. The index
        // goes in only once the book is built, so every sample sees the whole book (no index, no sample).
        await PublishAsync(publisher, Topics.MatchingEvents, "BTC-PERP", "book-BTC-PERP", 1, new MatchingEvent
        {
            Market = "BTC-PERP", Sequence = 1, TimeUnixNanos = nowNanos,
            Rested = new OrderRested { OrderId = "bid-1", AccountId = "acct-1", Side = Side.Buy, Price = "101", Remaining = "20" },
        });
        await PublishAsync(publisher, Topics.MatchingEvents, "BTC-PERP", "book-BTC-PERP", 2, new MatchingEvent
        {
            Market = "BTC-PERP", Sequence = 2, TimeUnixNanos = nowNanos,
            Rested = new OrderRested { OrderId = "ask-1", AccountId = "acct-2", Side = Side.Sell, Price = "102", Remaining = "20" },
        });
        var books = services.GetRequiredService<MarketBooks>();
        await WaitUntilAsync(() => books.Depth("BTC-PERP", 1_000m) is { Bids.Count: 1, Asks.Count: 1 }, "the book to hold both orders");
        await PublishAsync(publisher, Topics.OraclePrices, "BTC", "oracle-BTC", 1, new PriceUpdate
        {
            Asset = "BTC", Sequence = 1, TimeUnixNanos = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100, Status = PriceStatus.Ok, IndexPrice = "100",
            Marks = { new MarkPrice { Market = "BTC-PERP", MarkPrice_ = "100.5" } },
        });

        var (published, headers) = await FirstRateAsync(services.GetRequiredService<KafkaConnection>().BootstrapServers, TimeSpan.FromSeconds(30));

        // Every sample saw the same 1% premium, so the rate is 1% less the interest band, below the 5% cap.
        published.Market.ShouldBe("BTC-PERP");
        published.Sequence.ShouldBe(1);
        var rate = published.RateSet;
        (rate.IntervalEndUnixNanos - rate.IntervalStartUnixNanos).ShouldBe(2_000_000_000L);
        (rate.IntervalEndUnixNanos % 2_000_000_000L).ShouldBe(0);
        published.TimeUnixNanos.ShouldBe(rate.IntervalEndUnixNanos);
        rate.Samples.ShouldBeGreaterThan(0);
        rate.PremiumAverage.ShouldBe("0.01");
        rate.InterestComponent.ShouldBe("-0.0000625");
        rate.Rate.ShouldBe("0.0099375");
        rate.Capped.ShouldBeFalse();
        rate.IndexPrice.ShouldBe("100");
        rate.MarkPrice.ShouldBe("100.5");
        headers.ShouldContainKeyAndValue("clearing-source-stream", "funding-BTC-PERP");

        // The query answers from the stream: the same message as published.
        using var channel = GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler() });
        var request = new GetFundingHistoryRequest { Market = "BTC-PERP", Limit = 10 };
        var signer = new RequestSigner(OperatorKey, SignerKind.Operator, OperatorId);
        var history = await new FundingQuery.FundingQueryClient(channel).GetFundingHistoryAsync(request, signer.SignGrpc("clearing.funding.v1.FundingQuery/GetFundingHistory", request));
        history.Rates.ShouldContain(published);
        history.Rates.Select(r => r.Sequence).ShouldBe(history.Rates.Select(r => r.Sequence).OrderDescending());

        // Replay: funding-BTC-PERP folds back to the state, and every stored rate follows from its stored samples.
        var store = services.GetRequiredService<IEventStore>();
        var events = new List<object>();
        await foreach (var recorded in store.ReadStreamAsync("funding-BTC-PERP", ReadDirection.Forward, 0))
        {
            events.Add(FundingStoredEvents.ToDomain(FundingStoredEvents.Serializer.Deserialize(recorded)));
        }

        var rates = events.OfType<FundingRateFixed>().ToList();
        rates.ShouldContain(r => r.Sequence == 1 && r.Rate == 0.0099375m);
        FundingMarket.Replay("BTC-PERP", events).RatesFixed.ShouldBe(rates.Count);
        foreach (var fixedRate in rates)
        {
            var samples = events.OfType<PremiumSampled>().Where(s => s.IntervalStartUnixNanos == fixedRate.IntervalStartUnixNanos).ToList();
            samples.Count.ShouldBe(fixedRate.Samples);
            var parameters = services.GetRequiredService<FundingMarkets>().Parameters["BTC-PERP"];
            FundingRate.Fix(FundingRate.Average(samples.Sum(s => s.Premium), samples.Count), parameters).Rate.ShouldBe(fixedRate.Rate);
        }
    }

    [Fact]
    public async Task the_query_refuses_an_unknown_market_and_a_bad_limit()
    {
        using var channel = GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler() });
        var client = new FundingQuery.FundingQueryClient(channel);
        var signer = new RequestSigner(OperatorKey, SignerKind.Operator, OperatorId);
        const string method = "clearing.funding.v1.FundingQuery/GetFundingHistory";

        var unknown = new GetFundingHistoryRequest { Market = "BTC-26MAR27" };
        var notFound = await Should.ThrowAsync<RpcException>(async () => await client.GetFundingHistoryAsync(unknown, signer.SignGrpc(method, unknown)));
        notFound.StatusCode.ShouldBe(StatusCode.NotFound);
        notFound.Status.Detail.ShouldContain("not a funded perpetual");

        var tooMany = new GetFundingHistoryRequest { Market = "BTC-PERP", Limit = 5_000 };
        var invalid = await Should.ThrowAsync<RpcException>(async () => await client.GetFundingHistoryAsync(tooMany, signer.SignGrpc(method, tooMany)));
        invalid.StatusCode.ShouldBe(StatusCode.InvalidArgument);

        var unsigned = new GetFundingHistoryRequest { Market = "BTC-PERP" };
        var refused = await Should.ThrowAsync<RpcException>(async () => await client.GetFundingHistoryAsync(unsigned));
        refused.StatusCode.ShouldBe(StatusCode.Unauthenticated);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(50);
        }
    }

    private static Task PublishAsync(IKafkaPublisher publisher, string topic, string key, string sourceStream, long sequence, IMessage payload) =>
        publisher.PublishAsync(new OutboundMessage
        {
            Topic = topic,
            Key = key,
            Type = $"{topic}.test",
            Payload = payload.ToByteArray(),
            SourceStream = sourceStream,
            SourceSequence = sequence,
        });

    private static async Task<(FundingEvent Event, Dictionary<string, string> Headers)> FirstRateAsync(string bootstrapServers, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"funding-tests-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(Topics.FundingEvents);
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            while (DateTime.UtcNow < deadline)
            {
                var record = await Task.Run(() => Consume(consumer));
                if (record?.Message.Value is { } value)
                {
                    var headers = record.Message.Headers.ToDictionary(h => h.Key, h => System.Text.Encoding.UTF8.GetString(h.GetValueBytes()));
                    return (FundingEvent.Parser.ParseFrom(value), headers);
                }
            }
        }
        finally
        {
            consumer.Close();
        }

        throw new TimeoutException($"no FundingEvent on {Topics.FundingEvents} within {timeout}");
    }

    private static ConsumeResult<byte[]?, byte[]?>? Consume(IConsumer<byte[]?, byte[]?> consumer)
    {
        try
        {
            return consumer.Consume(TimeSpan.FromMilliseconds(200));
        }
        catch (ConsumeException e) when (e.Error.Code == ErrorCode.UnknownTopicOrPart)
        {
            // The relay has not created the topic yet: keep polling until the deadline.
            return null;
        }
    }
}
