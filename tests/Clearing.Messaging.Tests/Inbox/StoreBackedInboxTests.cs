using Clearing.Primitives.Inbox;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Inbox;
using Clearing.Messaging.Tests.Outbox;

namespace Clearing.Messaging.Tests.Inbox;

/// <summary>The inbox kept in an aggregate's own stream (atomic with the change) and in the checkpoint table.</summary>
public sealed class StoreBackedInboxTests
{
    [Fact]
    public async Task aggregate_inbox_applies_a_message_once_and_skips_its_redeliveries_across_snapshots_and_restarts()
    {
        await using var temp = new TempStore();
        var inbox = NewInbox(temp.Store);

        // Ten messages from one source, each delivered twice, plus a stale one: the snapshot (every 4 events) carries the inbox.
        for (var sequence = 0; sequence < 10; sequence++)
        {
            (await Credit(inbox, "account-7", sequence, 1.25m)).ShouldBe(InboxOutcome.Applied);
            (await Credit(inbox, "account-7", sequence, 1.25m)).ShouldBe(InboxOutcome.Skipped);
        }

        var restarted = NewInbox(temp.Store);
        (await Credit(restarted, "account-7", 3, 1.25m)).ShouldBe(InboxOutcome.Skipped);
        (await Credit(restarted, "account-7", 10, 1.25m)).ShouldBe(InboxOutcome.Applied);

        var ledger = await new AggregateRepository<Ledger>(temp.Store, LedgerConsumer.Serializer, LedgerConsumer.Definition).LoadAsync("a7");
        ledger.SnapshotVersion.ShouldBeGreaterThanOrEqualTo(4, "the state was read back from a snapshot");
        ledger.State.Balance.ShouldBe(11 * 1.25m);
        ledger.State.Credits.ShouldBe(11);
        ledger.State.Inbox.LastAppliedFor("account-7").ShouldBe(10);
        (inbox.AppliedCount, inbox.SkippedCount, restarted.AppliedCount, restarted.SkippedCount).ShouldBe((10L, 10L, 1L, 1L));
        (await temp.Store.GetStreamVersionAsync("ledger-a7")).ShouldBe(10, "one event per applied message, none for a repeat");
    }

    [Fact]
    public async Task aggregate_inbox_refuses_events_that_do_not_record_the_message_and_appends_nothing()
    {
        await using var temp = new TempStore();
        var repository = new AggregateRepository<Ledger>(temp.Store, LedgerConsumer.Serializer, LedgerConsumer.Definition);
        var inbox = new AggregateInbox<Ledger>(repository, LedgerConsumer.Definition, s => s.Inbox, "forgetful");

        // The event names a different source sequence, so Evolve records 99, not the message's 5.
        var error = await Should.ThrowAsync<InvalidOperationException>(() =>
            inbox.ExecuteAsync("a1", "account-1", 5, _ => [new CreditApplied("account-1", 99, 1m)]));

        error.Message.ShouldContain("account-1:5");
        error.Message.ShouldContain("InboxPosition.Record");
        (await temp.Store.GetStreamVersionAsync("ledger-a1")).ShouldBe(-1);
    }

    [Fact]
    public async Task aggregate_inbox_writes_nothing_when_the_decision_changes_nothing()
    {
        await using var temp = new TempStore();
        var inbox = NewInbox(temp.Store);

        (await inbox.ExecuteAsync("a1", "account-1", 0, _ => [])).ShouldBe(InboxOutcome.NothingToApply);
        (await Credit(inbox, "account-1", 0, 2m)).ShouldBe(InboxOutcome.Applied, "an unrecorded message is decided again when it comes back");
    }

    [Fact]
    public async Task checkpoint_inbox_skips_what_it_recorded_even_after_a_restart()
    {
        await using var temp = new TempStore();
        var readModel = new Dictionary<string, decimal>();
        var inbox = new CheckpointInbox(temp.Store.Checkpoints, "prices");

        Task Upsert(string key, decimal value)
        {
            readModel[key] = value;
            return Task.CompletedTask;
        }

        (await inbox.HandleOnceAsync(InboxPositionTests.Metadata("oracle-btc", 0), _ => Upsert("btc", 100m))).ShouldBe(InboxOutcome.Applied);
        (await inbox.HandleOnceAsync(InboxPositionTests.Metadata("oracle-btc", 1), _ => Upsert("btc", 101m))).ShouldBe(InboxOutcome.Applied);
        (await inbox.HandleOnceAsync(InboxPositionTests.Metadata("oracle-btc", 0), _ => Upsert("btc", 100m))).ShouldBe(InboxOutcome.Skipped);
        (await temp.Store.Checkpoints.LoadAsync("inbox-prices:oracle-btc")).ShouldBe(1);

        var restarted = new CheckpointInbox(temp.Store.Checkpoints, "prices");
        (await restarted.HandleOnceAsync(InboxPositionTests.Metadata("oracle-btc", 1), _ => Upsert("btc", 101m))).ShouldBe(InboxOutcome.Skipped);
        (await restarted.HandleOnceAsync(InboxPositionTests.Metadata("oracle-eth", 0), _ => Upsert("eth", 5m))).ShouldBe(InboxOutcome.Applied);
        readModel.ShouldBe(new Dictionary<string, decimal> { ["btc"] = 101m, ["eth"] = 5m });
        (inbox.SkippedCount, restarted.SkippedCount, restarted.AppliedCount).ShouldBe((1L, 1L, 1L));
        await Should.ThrowAsync<InboxSequenceException>(() => restarted.RecordAsync("oracle-eth", 0));
    }

    [Fact]
    public async Task checkpoint_inbox_leaves_a_message_unrecorded_when_its_effect_fails_so_the_retry_applies_it()
    {
        await using var temp = new TempStore();
        var inbox = new CheckpointInbox(temp.Store.Checkpoints, "risk");

        await Should.ThrowAsync<TimeoutException>(() => inbox.HandleOnceAsync(InboxPositionTests.Metadata("account-1", 3), _ => throw new TimeoutException("read model down")));
        (await inbox.HandleOnceAsync(InboxPositionTests.Metadata("account-1", 3), _ => Task.CompletedTask)).ShouldBe(InboxOutcome.Applied);
    }

    private static AggregateInbox<Ledger> NewInbox(IEventStore store) =>
        new(new AggregateRepository<Ledger>(store, LedgerConsumer.Serializer, LedgerConsumer.Definition), LedgerConsumer.Definition, s => s.Inbox, "ledger");

    private static Task<InboxOutcome> Credit(AggregateInbox<Ledger> inbox, string source, long sequence, decimal amount) =>
        inbox.ExecuteAsync($"a{source[^1]}", source, sequence, _ => [new CreditApplied(source, sequence, amount)]);
}
