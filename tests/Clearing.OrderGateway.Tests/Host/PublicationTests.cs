using Clearing.Contracts;
using Clearing.Contracts.Orders.V1;
using Clearing.Messaging.Kafka.Outbox;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>
/// What the gateway stores reaches clearing.orders.commands.v1, and the relay's checkpoint follows its delivery
/// reports (it asks the client for their status only): an accepted order is on the topic and the relay catches up.
/// </summary>
public sealed class PublicationTests(GatewayHostFixture fixture) : IClassFixture<GatewayHostFixture>
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task an_accepted_order_is_published_keyed_by_market_and_the_relay_checkpoint_reaches_the_store_head()
    {
        var trader = GatewayHost.TraderFor("acct-1");
        var reply = await Host.Client.PlaceOrderAsync(trader.Place("published-1", price: "50000.5", quantity: "0.25"));

        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = Host.KafkaBootstrap, GroupId = $"publication-test-{Guid.NewGuid():N}", AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Subscribe(Topics.OrderCommands);
        OrderCommand? found = null;
        string? key = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (found is null && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } record && OrderCommand.Parser.ParseFrom(record.Message.Value) is { } command
                && command.CommandId == reply.CommandId)
            {
                found = command;
                key = System.Text.Encoding.UTF8.GetString(record.Message.Key);
            }
        }

        found.ShouldNotBeNull();
        key.ShouldBe("BTC-PERP");
        found.Place.OrderId.ShouldBe("published-1");
        found.Place.Price.ShouldBe("50000.5");
        found.Place.Quantity.ShouldBe("0.25");

        var relay = Host.Services.GetServices<IHostedService>().OfType<OutboxRelayService>().Single();
        while (relay.Current?.Lag is not 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        relay.Current.ShouldNotBeNull().Lag.ShouldBe(0);
    }
}
