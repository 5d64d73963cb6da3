using Clearing.Contracts;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Grpc;
using Confluent.Kafka;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>
/// Backpressure through the real host: the lag monitor reads a watched group's committed offsets from the broker, and
/// PlaceOrder then answers RESOURCE_EXHAUSTED with the lag in the message, while cancels still pass.
/// </summary>
public sealed class BackpressureHostTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task a_watched_consumer_behind_its_bound_makes_new_orders_resource_exhausted_with_its_lag_while_cancels_pass()
    {
        var group = $"bp-watch-{Guid.NewGuid():N}";
        await using var host = GatewayHost.Start(settings: new Dictionary<string, string?>
        {
            ["OrderGateway:RateLimitBurst"] = "50",
            ["OrderGateway:Backpressure:MaxConsumerLag"] = "1",
            [$"OrderGateway:Backpressure:WatchedGroups:{group}"] = Topics.OrderCommands,
            ["OrderGateway:Backpressure:PollInterval"] = "00:00:00.100",
        });
        var trader = GatewayHost.TraderFor("acct-1");
        await host.Client.PlaceOrderAsync(trader.Place("bp-1"));
        await host.Client.PlaceOrderAsync(trader.Place("bp-2"));
        var partitions = await PublishedAsync(host.KafkaBootstrap, atLeast: 2);

        // The watched group has read nothing: committed at offset 0 everywhere, it is behind by every command.
        using (var member = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = host.KafkaBootstrap, GroupId = group }).Build())
        {
            member.Commit(partitions.Select(p => new TopicPartitionOffset(p, 0)));
        }

        var refused = await RefusedAsync(host, trader);

        refused.StatusCode.ShouldBe(StatusCode.ResourceExhausted);
        refused.Trailers.GetValue(OrderGatewayGrpcService.RuleTrailer).ShouldBe("backpressure");
        refused.Status.Detail.ShouldMatch($"^backpressure: consumer group '{group}' is [0-9]+ message\\(s\\) behind on {Topics.OrderCommands.Replace(".", "\\.", StringComparison.Ordinal)} \\(bound 1\\); retry shortly$");
        host.Services.GetRequiredService<GatewayBackpressure>().RefusedCount.ShouldBeGreaterThan(0);

        var cancelled = await host.Client.CancelOrderAsync(trader.Cancel("bp-1"));
        cancelled.CommandId.ShouldNotBeNullOrEmpty("a cancel takes risk off and is never held back");
    }

    /// <summary>Waits until the relay has put at least <paramref name="atLeast"/> commands on the topic; returns its partitions.</summary>
    private static async Task<List<TopicPartition>> PublishedAsync(string bootstrap, int atLeast)
    {
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = $"marks-{Guid.NewGuid():N}" }).Build();
        using var admin = new DependentAdminClientBuilder(reader.Handle).Build();
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var topic = admin.GetMetadata(Topics.OrderCommands, TimeSpan.FromSeconds(5)).Topics.Single();
            var partitions = topic.Partitions.Select(p => new TopicPartition(Topics.OrderCommands, p.PartitionId)).ToList();
            if (partitions.Sum(p => reader.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)).High.Value) >= atLeast)
            {
                return partitions;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the relay publishes the accepted commands");
            await Task.Delay(50);
        }
    }

    /// <summary>Places new orders until the monitor's reading makes the gateway refuse one.</summary>
    private static async Task<RpcException> RefusedAsync(GatewayHost host, Trader trader)
    {
        var deadline = DateTime.UtcNow + Patience;
        for (var n = 3; ; n++)
        {
            try
            {
                await host.Client.PlaceOrderAsync(trader.Place($"bp-{n}"));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && e.Trailers.GetValue(OrderGatewayGrpcService.RuleTrailer) == "backpressure")
            {
                return e;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the gateway starts refusing once the watched group's lag is read");
            await Task.Delay(100);
        }
    }
}
