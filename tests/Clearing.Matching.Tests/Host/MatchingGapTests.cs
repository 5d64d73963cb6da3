using Clearing.Contracts;
using Clearing.Contracts.Orders.V1;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Clearing.Matching.Tests.Host;

/// <summary>
/// Order commands the broker deleted before matching read them (the embedded broker keeps 5 MiB per partition) must
/// stop matching's partition, never be skipped: a skipped command is an accepted order that never reaches a book.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class MatchingGapTests(ITestOutputHelper output)
{
    private const int Partitions = 4;

    [Fact]
    public async Task matching_stops_at_order_commands_deleted_before_it_read_them_instead_of_skipping_them()
    {
        await using var bed = ProcessBed.Start("clearing-matching-gap", Partitions);
        var broker = bed.Broker;
        using var reader = new KafkaTraffic.EventReader(broker.BootstrapServers, Partitions);
        using var producer = KafkaTraffic.Producer(broker.BootstrapServers);

        using (var first = MatchingProcess.Start(bed.Directory, bed.BootstrapFile))
        {
            KafkaTraffic.Produce(producer, HostOrders.Limit("BTC-PERP", "acct-1", "o-1", Side.Buy, "50000", "0.1"));
            producer.Flush(TimeSpan.FromSeconds(10));
            await reader.WaitForAsync(events => events.Any(e => e.Event.Accepted?.OrderId == "o-1"), TimeSpan.FromSeconds(90), () => first.Tail);
            await Task.Delay(500);   // the consumer committed the offset after o-1 (in the background, every 200 ms)
            first.KillHard();
        }

        // While matching is down: one more order, then 6 MiB on the same partition — past the broker's cap, so the
        // unread order is deleted.
        KafkaTraffic.Produce(producer, HostOrders.Limit("BTC-PERP", "acct-1", "o-2", Side.Buy, "49000", "0.1"));
        for (var i = 0; i < 24; i++)
        {
            producer.Produce(Topics.OrderCommands, new Message<byte[]?, byte[]?> { Key = "BTC-PERP"u8.ToArray(), Value = new byte[256 * 1024] });
        }
        producer.Flush(TimeSpan.FromSeconds(30));

        using var second = MatchingProcess.Start(bed.Directory, bed.BootstrapFile);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!second.Lines.Any(l => l.Contains("CONSUMER GAP", StringComparison.Ordinal)) && DateTime.UtcNow < deadline && !second.HasExited)
        {
            await Task.Delay(100);
        }
        await Task.Delay(1_000);
        output.WriteLine(second.Tail);

        second.Lines.ShouldContain(l => l.Contains("CONSUMER GAP", StringComparison.Ordinal) && l.Contains(Topics.OrderCommands, StringComparison.Ordinal), second.Tail);
        reader.Events.ShouldNotContain(e => e.Event.Accepted != null && e.Event.Accepted.OrderId == "o-2");
        reader.Events.Count(e => e.Event.Rejected != null).ShouldBe(0, "the padding after the gap was not read as commands either");
    }
}
