using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Outbox;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests.Outbox;

/// <summary>
/// Broker faults end to end: the relay as its hosted service, a consumer applying through its inbox, and brokers of
/// their own (an embedded broker in every fixture mode), so taking them down or wiping them disturbs no other test.
/// </summary>
public sealed class OutboxFaultTests(ITestOutputHelper output)
{
    private const string Topic = "test.outbox.ledger";

    [Fact]
    public async Task every_event_arrives_when_all_brokers_go_down_mid_run_and_come_back()
    {
        using var logs = TestSupport.Logs(output);
        await using var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Topics = [Topic], Partitions = 4 });
        await using var source = new TempStore();
        await using var consumerStore = new TempStore();
        using var relay = RelayService(source.Store, broker.BootstrapServers, logs, "down");
        await using var consumer = new LedgerConsumer(consumerStore.Store, broker.BootstrapServers, Topic, logs);
        await relay.StartAsync(CancellationToken.None);
        await consumer.StartAsync();

        await OutboxTestSupport.AppendAsync(source.Store, 200);
        await OutboxTestSupport.WaitUntilAsync(() => Task.FromResult(relay.Current?.Checkpoint == 200), "the first 200 events are confirmed");

        foreach (var id in broker.BrokerIds)
        {
            broker.SetBrokerDown(id);
        }

        await OutboxTestSupport.AppendAsync(source.Store, 200, start: 200);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        relay.Current!.Checkpoint.ShouldBe(200, "nothing is confirmed while every broker is down");
        foreach (var id in broker.BrokerIds)
        {
            broker.SetBrokerUp(id);
        }

        var expected = (await OutboxTestSupport.ReadAllAsync(source.Store)).Count(OutboxTestSupport.IsPublic);
        await OutboxTestSupport.WaitUntilAsync(
            () => Task.FromResult(relay.Current!.Checkpoint == 400 && consumer.Inbox.AppliedCount == expected),
            "every event is confirmed and applied");
        await relay.StopAsync(CancellationToken.None);

        await ShouldEqualTheStoreAsync(source.Store, consumer);
        consumer.DeadLettered.ShouldBe(0);
    }

    [Fact]
    public async Task after_a_broker_wipe_a_new_relay_republishes_from_the_start_and_the_consumer_ends_equal_to_the_store()
    {
        using var logs = TestSupport.Logs(output);
        await using var source = new TempStore();
        await using var consumerStore = new TempStore();

        long publicBeforeWipe;
        var first = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Topics = [Topic], Partitions = 4 });
        using (var relay = RelayService(source.Store, first.BootstrapServers, logs, "wipe"))
        {
            await using var consumer = new LedgerConsumer(consumerStore.Store, first.BootstrapServers, Topic, logs);
            await relay.StartAsync(CancellationToken.None);
            await consumer.StartAsync();
            await OutboxTestSupport.AppendAsync(source.Store, 200);
            publicBeforeWipe = (await OutboxTestSupport.ReadAllAsync(source.Store)).Count(OutboxTestSupport.IsPublic);
            await OutboxTestSupport.WaitUntilAsync(
                () => Task.FromResult(relay.Current?.Checkpoint == 200 && consumer.Inbox.AppliedCount == publicBeforeWipe),
                "the first 200 events are confirmed and applied");
            await relay.StopAsync(CancellationToken.None);
        }

        // The wipe: the in-memory broker and everything it held are gone. The service keeps writing meanwhile.
        await first.DisposeAsync();
        await OutboxTestSupport.AppendAsync(source.Store, 200, start: 200);

        await using var second = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Topics = [Topic], Partitions = 4 });
        using var newRelay = RelayService(source.Store, second.BootstrapServers, logs, "wipe");
        await using var newConsumer = new LedgerConsumer(consumerStore.Store, second.BootstrapServers, Topic, logs);
        await newRelay.StartAsync(CancellationToken.None);
        await newConsumer.StartAsync();

        var total = (await OutboxTestSupport.ReadAllAsync(source.Store)).Count(OutboxTestSupport.IsPublic);
        await OutboxTestSupport.WaitUntilAsync(
            () => Task.FromResult(newRelay.Current?.Checkpoint == 400 && newConsumer.Inbox.AppliedCount + newConsumer.Inbox.SkippedCount >= total),
            "the new relay republished everything and the consumer saw it");
        await newRelay.StopAsync(CancellationToken.None);

        newRelay.Current!.RewindCount.ShouldBe(1, "the new relay noticed that the broker had lost what it published");
        newConsumer.Inbox.AppliedCount.ShouldBe(total - publicBeforeWipe, "only the events stored after the wipe were new to the consumer");
        newConsumer.Inbox.SkippedCount.ShouldBeGreaterThanOrEqualTo(publicBeforeWipe, "the republished events it had applied were skipped");
        await ShouldEqualTheStoreAsync(source.Store, newConsumer);
    }

    private static OutboxRelayService RelayService(IEventStore store, string bootstrap, ILoggerFactory logs, string name) => new(
        store,
        new CreditTranslator(Topic),
        KafkaConnection.ForBootstrap(bootstrap, KafkaBrokerMode.EmbeddedInProcess),
        OutboxTestSupport.Kafka(bootstrap, "ledger"),
        OutboxTestSupport.Options(name),
        TimeProvider.System,
        logs);

    /// <summary>The consumer's state is the store's truth: every credit applied exactly once, per account, in order.</summary>
    private static async Task ShouldEqualTheStoreAsync(IEventStore store, LedgerConsumer consumer)
    {
        var credits = (await OutboxTestSupport.ReadAllAsync(store)).Where(OutboxTestSupport.IsPublic).GroupBy(e => e.StreamId).ToList();
        credits.Count.ShouldBe(6);
        foreach (var stream in credits)
        {
            var amounts = stream.Select(e => (Credited)OutboxTestSupport.Serializer.Deserialize(e)).ToList();
            var ledger = (await consumer.Repository.LoadAsync(amounts[0].Account)).State;
            ledger.Credits.ShouldBe(amounts.Count, $"{stream.Key}: no credit missing or applied twice");
            ledger.Balance.ShouldBe(amounts.Sum(c => c.Amount), $"{stream.Key}: balance");
            ledger.Inbox.LastAppliedFor(stream.Key).ShouldBe(stream.Last().StreamVersion, $"{stream.Key}: inbox");
        }
    }
}
