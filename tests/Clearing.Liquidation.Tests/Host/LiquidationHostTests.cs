using Clearing.Contracts;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Liquidation.Application;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Clearing.Liquidation.Tests.Host;

/// <summary>The liquidation host on the embedded broker: a risk event in, liquidation orders and events out.</summary>
public sealed class LiquidationHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "clearing-liquidation-host-tests", Guid.NewGuid().ToString("N"));
    private EmbeddedKafkaBroker _broker = null!;
    private WebApplicationFactory<Program> _host = null!;

    public Task InitializeAsync()
    {
        _broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { BrokerCount = 1 });
        var settings = new Dictionary<string, string?>
        {
            ["Clearing:DataDirectory"] = _dataDirectory,
            ["Kafka:BootstrapServers"] = _broker.BootstrapServers,
            ["Kafka:ServiceName"] = "liquidation",
            ["Kafka:GroupProtocol"] = "consumer",
            ["Kafka:MirrorTransactionalOffsets"] = "true",
            ["Kafka:CommitInterval"] = "00:00:00.050",
            ["Liquidation:ClockInterval"] = "00:00:00.050",
            ["Liquidation:Markets:BTC-PERP:SliceResponseTimeout"] = "00:00:00.300",
        };
        _host = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings));
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        });
        _ = _host.Server;   // builds and starts the host, its consumers, clock and relay
        return Task.CompletedTask;
    }

    [Fact]
    public async Task a_liquidation_required_event_cancels_orders_places_an_ioc_slice_and_without_fills_hands_the_position_to_the_fund()
    {
        await PublishRiskAsync(new RiskEvent
        {
            AccountId = "acct-7",
            Sequence = 3,
            TimeUnixNanos = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100,
            Risk = new AccountRisk
            {
                Equity = "1000", InitialRequirement = "2300", MaintenanceRequirement = "1150", Band = HealthBand.Liquidation,
                Positions = { new PositionRisk { Market = "BTC-PERP", Size = "1", EntryPrice = "50000", MarkPrice = "46000", MaintenanceRequirement = "1150", BankruptcyPrice = "45000" } },
            },
            LiquidationRequired = new LiquidationRequired { Shortfall = "150", ToRestoreInitial = "1300" },
        });

        var commands = ReadUntil(Topics.OrderCommands, OrderCommand.Parser, list => list.Count >= 2);
        commands[0].CancelAll.ShouldNotBeNull();
        commands[0].Origin.ShouldBe(Origin.Liquidation);
        var place = commands[1].Place;
        (commands[1].AccountId, commands[1].Market, commands[1].Origin).ShouldBe(("acct-7", "BTC-PERP", Origin.Liquidation));
        (place.Side, place.Kind, place.TimeInForce, place.ReduceOnly).ShouldBe((Side.Sell, OrderKind.Limit, TimeInForce.Ioc, true));
        decimal.Parse(place.Price, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(45_000m);
        place.Quantity.ShouldBe("0.622");

        // Matching never answers: after two unanswered slices the fund takes over what is left at the bankruptcy price.
        var events = ReadUntil(Topics.LiquidationEvents, LiquidationEvent.Parser, list => list.Any(e => e.EventCase == LiquidationEvent.EventOneofCase.Completed) && list.Any(e => e.EventCase == LiquidationEvent.EventOneofCase.FundChanged));
        events.First(e => e.AccountId == "acct-7").EventCase.ShouldBe(LiquidationEvent.EventOneofCase.Started);
        var toFund = events.Single(e => e.EventCase == LiquidationEvent.EventOneofCase.TransferredToFund).TransferredToFund;
        (toFund.Market, toFund.Size, toFund.BankruptcyPrice, toFund.FundAccountId, toFund.Side).ShouldBe(("BTC-PERP", "0.622", "45000", "system:insurance-fund", Side.Sell));
        toFund.FundChange.ShouldBe("622");
        events.Single(e => e.EventCase == LiquidationEvent.EventOneofCase.Completed).Completed.UncoveredLoss.ShouldBe("0");
        var fundChanged = events.Single(e => e.EventCase == LiquidationEvent.EventOneofCase.FundChanged).FundChanged;
        fundChanged.Balance.ShouldBe("622");

        var engine = _host.Services.GetRequiredService<LiquidationEngine>();
        (await engine.LoadFundAsync(CancellationToken.None)).State.Balance.ShouldBe(622m);
    }

    private async Task PublishRiskAsync(RiskEvent risk)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var message = new OutboundMessage
        {
            Topic = Topics.MarginRisk,
            Key = risk.AccountId,
            Type = "clearing.margin.risk.v1",
            Payload = risk.ToByteArray(),
            SourceStream = $"account-{risk.AccountId}",
            SourceSequence = risk.Sequence,
        };
        await producer.ProduceAsync(Topics.MarginRisk, CloudEventsEnvelope.ToKafkaMessage(message, "margin", DateTimeOffset.UtcNow));
    }

    private List<T> ReadUntil<T>(string topic, MessageParser<T> parser, Func<List<T>, bool> done)
        where T : IMessage<T>
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var messages = new List<T>();
        var deadline = DateTime.UtcNow + Patience;
        while (!done(messages))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, $"{topic} did not get what the test waits for; got {messages.Count}: {string.Join(" | ", messages)}");
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } record)
            {
                messages.Add(parser.ParseFrom(record.Message.Value));
            }
        }

        consumer.Close();
        return messages;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _broker.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a background thread: the temp directory is cleaned by the OS later.
        }
    }
}
