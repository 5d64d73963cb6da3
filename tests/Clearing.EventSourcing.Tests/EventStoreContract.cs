using System.Collections.Concurrent;
using Clearing.EventSourcing;
using static Clearing.EventSourcing.Tests.TestEvents;

namespace Clearing.EventSourcing.Tests;

/// <summary>
/// The one contract every event store adapter passes. Subclasses say how to make a fresh store and how to edit a
/// stored row behind the store's back (to prove verify finds it).
/// </summary>
public abstract class EventStoreContract : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _stores = [];

    protected IEventStore Store { get; private set; } = null!;

    public async Task InitializeAsync() => Store = await NewStoreAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>A store over fresh, empty storage.</summary>
    protected abstract Task<IEventStore> CreateStoreAsync();

    /// <summary>A second store over the same storage as <see cref="Store"/> (a restarted process).</summary>
    protected abstract Task<IEventStore> ReopenStoreAsync();

    /// <summary>Rewrites one stored event's data with SQL, as an attacker with database access would.</summary>
    protected abstract Task TamperAsync(string streamId, long version, string json);

    protected async Task<IEventStore> NewStoreAsync()
    {
        var store = await CreateStoreAsync();
        _stores.Add((IAsyncDisposable)store);
        return store;
    }

    protected async Task<IEventStore> TrackAsync(Task<IEventStore> opening)
    {
        var store = await opening;
        _stores.Add((IAsyncDisposable)store);
        return store;
    }

    [Fact]
    public async Task first_append_with_no_stream_expectation_starts_the_stream_at_version_zero()
    {
        var result = await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(3));

        result.NextExpectedVersion.ShouldBe(2);
        result.LastGlobalPosition.ShouldBe(3);
        (await Store.GetStreamVersionAsync("acct-1")).ShouldBe(2);
        (await Store.GetStreamVersionAsync("acct-missing")).ShouldBe(-1);
    }

    [Fact]
    public async Task append_with_the_exact_expected_version_continues_the_stream()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(2));
        var result = await Store.AppendAsync("acct-1", ExpectedVersion.Exactly(1), Events(2, 2));

        result.NextExpectedVersion.ShouldBe(3);
        var read = await Store.ReadStreamAsync("acct-1", ReadDirection.Forward, 0).ToListAsync();
        read.Select(N).ShouldBe([0, 1, 2, 3]);
        read.Select(e => e.StreamVersion).ShouldBe([0L, 1, 2, 3]);
    }

    [Fact]
    public async Task stale_expected_version_fails_with_a_typed_error_naming_stream_expected_and_actual_and_writes_nothing()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(3));
        var headBefore = await Store.GetHeadPositionAsync();

        var error = await Should.ThrowAsync<WrongExpectedVersionException>(
            () => Store.AppendAsync("acct-1", ExpectedVersion.Exactly(0), Events(5, 10)));

        error.StreamId.ShouldBe("acct-1");
        error.Expected.ShouldBe(ExpectedVersion.Exactly(0));
        error.ActualVersion.ShouldBe(2);
        error.Message.ShouldContain("acct-1");
        error.Message.ShouldContain("expected version 0");
        error.Message.ShouldContain("actual version 2");
        (await Store.GetHeadPositionAsync()).ShouldBe(headBefore);
        (await Store.ReadStreamAsync("acct-1", ReadDirection.Forward, 0).ToListAsync()).Count.ShouldBe(3);
    }

    [Fact]
    public async Task no_stream_expectation_on_an_existing_stream_is_refused()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(1));

        var error = await Should.ThrowAsync<WrongExpectedVersionException>(
            () => Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(1)));
        error.ActualVersion.ShouldBe(0);
    }

    [Fact]
    public async Task exact_expectation_on_a_missing_stream_is_refused_as_no_stream()
    {
        var error = await Should.ThrowAsync<WrongExpectedVersionException>(
            () => Store.AppendAsync("acct-1", ExpectedVersion.Exactly(4), Events(1)));
        error.ActualVersion.ShouldBe(-1);
        error.Message.ShouldContain("no-stream");
    }

    [Fact]
    public async Task any_expectation_appends_whatever_the_stream_holds()
    {
        await Store.AppendAsync("oracle-BTC", ExpectedVersion.Any, Events(1));
        var result = await Store.AppendAsync("oracle-BTC", ExpectedVersion.Any, Events(1, 1));
        result.NextExpectedVersion.ShouldBe(1);
    }

    [Fact]
    public async Task concurrent_writers_with_the_same_expected_version_one_wins_and_the_loser_writes_nothing()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(1));

        var attempts = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => Store.AppendAsync("acct-1", ExpectedVersion.Exactly(0), Events(3, 100 * (i + 1)))))
            .ToArray();
        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try
            {
                await t;
                return true;
            }
            catch (WrongExpectedVersionException)
            {
                return false;
            }
        }));

        outcomes.Count(won => won).ShouldBe(1);
        var events = await Store.ReadStreamAsync("acct-1", ReadDirection.Forward, 0).ToListAsync();
        events.Count.ShouldBe(4);
        (await Store.GetHeadPositionAsync()).ShouldBe(4);
        (await Store.VerifyAsync()).IsIntact.ShouldBeTrue();
    }

    [Fact]
    public async Task an_append_is_atomic_an_event_the_store_refuses_midway_writes_none_of_the_batch()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(1));
        var notJson = new EventData(Guid.NewGuid(), "test.counted.v1", 1, "{\"n\": 3"u8.ToArray());

        var error = await Should.ThrowAsync<InvalidEventException>(
            () => Store.AppendAsync("acct-2", ExpectedVersion.NoStream, [Event(1), Event(2), notJson, Event(4)]));

        error.StreamId.ShouldBe("acct-2");
        (await Store.GetStreamVersionAsync("acct-2")).ShouldBe(-1);
        (await Store.GetHeadPositionAsync()).ShouldBe(1);
        var next = await Store.AppendAsync("acct-2", ExpectedVersion.NoStream, Events(1));
        next.LastGlobalPosition.ShouldBe(2);
        (await Store.VerifyAsync()).IsIntact.ShouldBeTrue();
    }

    [Fact]
    public async Task a_refused_append_does_not_disturb_others_committed_alongside_it()
    {
        var notJson = new EventData(Guid.NewGuid(), "test.counted.v1", 1, "nope"u8.ToArray());

        var appends = Enumerable.Range(0, 20).Select(i => Task.Run(() =>
            Store.AppendAsync($"acct-{i}", ExpectedVersion.NoStream, i == 7 ? [Event(i), notJson] : Events(2)))).ToArray();
        await Should.ThrowAsync<InvalidEventException>(() => Task.WhenAll(appends));

        appends.Count(t => t.IsCompletedSuccessfully).ShouldBe(19);
        (await Store.GetHeadPositionAsync()).ShouldBe(38);
        (await Store.ReadAllAsync(1, 100).ToListAsync()).Select(e => e.GlobalPosition).ShouldBe(Enumerable.Range(1, 38).Select(i => (long)i));
    }

    [Fact]
    public async Task a_retry_that_does_not_match_what_is_stored_is_still_refused()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(3));

        await Should.ThrowAsync<WrongExpectedVersionException>(() => Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(3)));
    }

    [Fact]
    public async Task a_retried_append_whose_events_are_already_stored_succeeds_without_writing_again()
    {
        var batch = Events(3);
        var first = await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, batch);

        var retry = await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, batch);

        retry.ShouldBe(first);
        (await Store.GetHeadPositionAsync()).ShouldBe(3);
    }

    [Fact]
    public async Task a_stream_reads_forward_from_a_version_and_backward_from_the_end_or_a_version()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(10));

        (await Store.ReadStreamAsync("acct-1", ReadDirection.Forward, 4, 3).ToListAsync()).Select(N).ShouldBe([4, 5, 6]);
        (await Store.ReadStreamAsync("acct-1", ReadDirection.Backward, -1, 3).ToListAsync()).Select(N).ShouldBe([9, 8, 7]);
        (await Store.ReadStreamAsync("acct-1", ReadDirection.Backward, 2).ToListAsync()).Select(N).ShouldBe([2, 1, 0]);
        (await Store.ReadStreamAsync("acct-none", ReadDirection.Forward, 0).ToListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task all_reads_in_commit_order_from_a_global_position_and_filters_by_category()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(2, 0));
        await Store.AppendAsync("book-BTC-PERP", ExpectedVersion.NoStream, Events(2, 2));
        await Store.AppendAsync("acct-2", ExpectedVersion.NoStream, Events(2, 4));

        var all = await Store.ReadAllAsync(1, 100).ToListAsync();
        all.Select(e => e.GlobalPosition).ShouldBe([1L, 2, 3, 4, 5, 6]);
        all.Select(N).ShouldBe([0, 1, 2, 3, 4, 5]);
        (await Store.ReadAllAsync(3, 2).ToListAsync()).Select(N).ShouldBe([2, 3]);
        (await Store.ReadAllAsync(1, 100, "acct").ToListAsync()).Select(e => e.StreamId).ShouldBe(["acct-1", "acct-1", "acct-2", "acct-2"]);
        (await Store.ReadAllAsync(1, 100, "book").ToListAsync()).Single(e => N(e) == 3).Category.ShouldBe("book");
    }

    private static EventData Typed(int n, string type) => Event(n) with { Type = type };

    private static string Describe(EventPage page) =>
        $"[{string.Join(",", page.Events.Select(N))}] to {page.CoveredTo} of {page.Head}, {(page.CaughtUp ? "caught up" : "behind")}";

    private async Task AppendMixedAsync()
    {
        // Positions 1-8: private.v1 at 2, 3, 5, 6 and 8; the book stream holds 4-6.
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, [Typed(0, "public.v1"), Typed(1, "private.v1"), Typed(2, "private.v1")]);
        await Store.AppendAsync("book-BTC-PERP", ExpectedVersion.NoStream, [Typed(3, "public.v1"), Typed(4, "private.v1"), Typed(5, "other-private.v1")]);
        await Store.AppendAsync("acct-2", ExpectedVersion.NoStream, [Typed(6, "public.v1"), Typed(7, "private.v1")]);
    }

    [Fact]
    public async Task a_page_read_leaves_out_skipped_types_and_covers_up_to_the_head_when_not_full()
    {
        await AppendMixedAsync();

        var page = await Store.ReadAllPageAsync(1, 100, null, EventTypeFilter.Except("private.v1", "other-private.v1"));

        Describe(page).ShouldBe("[0,3,6] to 8 of 8, caught up");
    }

    [Fact]
    public async Task a_full_page_covers_only_up_to_its_last_event_so_the_next_page_resumes_right_after_it()
    {
        await AppendMixedAsync();
        var skip = EventTypeFilter.Except("private.v1");

        var first = await Store.ReadAllPageAsync(1, 2, null, skip);
        var second = await Store.ReadAllPageAsync(first.CoveredTo + 1, 2, null, skip);
        var third = await Store.ReadAllPageAsync(second.CoveredTo + 1, 2, null, skip);

        Describe(first).ShouldBe("[0,3] to 4 of 8, behind");
        Describe(second).ShouldBe("[5,6] to 7 of 8, behind");
        Describe(third).ShouldBe("[] to 8 of 8, caught up");
    }

    [Fact]
    public async Task a_page_read_of_only_some_types_hands_over_just_those()
    {
        await AppendMixedAsync();

        var page = await Store.ReadAllPageAsync(2, 100, null, EventTypeFilter.Only("public.v1", "other-private.v1"));
        var none = await Store.ReadAllPageAsync(1, 100, null, EventTypeFilter.Only());

        Describe(page).ShouldBe("[3,5,6] to 8 of 8, caught up");
        Describe(none).ShouldBe("[] to 8 of 8, caught up");
    }

    [Fact]
    public async Task a_page_of_only_skipped_events_is_empty_and_still_moves_the_reader_to_the_head()
    {
        await AppendMixedAsync();

        var page = await Store.ReadAllPageAsync(7, 10, null, EventTypeFilter.Except("public.v1", "private.v1"));
        var past = await Store.ReadAllPageAsync(9, 10, null, EventTypeFilter.All);

        Describe(page).ShouldBe("[] to 8 of 8, caught up");
        Describe(past).ShouldBe("[] to 8 of 8, caught up");
    }

    [Fact]
    public async Task a_page_read_of_one_category_skips_types_within_it_and_covers_to_the_global_head()
    {
        await AppendMixedAsync();

        var book = await Store.ReadAllPageAsync(1, 10, "book", EventTypeFilter.Except("private.v1"));
        var unfiltered = await Store.ReadAllPageAsync(1, 10, "acct", EventTypeFilter.All);

        Describe(book).ShouldBe("[3,5] to 8 of 8, caught up");
        Describe(unfiltered).ShouldBe("[0,1,2,6,7] to 8 of 8, caught up");
    }

    [Fact]
    public async Task the_filtering_fallback_for_other_adapters_returns_the_same_pages_as_the_store_query()
    {
        await AppendMixedAsync();
        var filters = new[] { EventTypeFilter.Except("private.v1"), EventTypeFilter.Only("public.v1", "other-private.v1"), EventTypeFilter.All };
        var reads = new[] { (1L, 2, (string?)null), (5L, 2, null), (1L, 100, null), (1L, 1, "book"), (9L, 5, null) };

        foreach (var (filter, (from, size, category)) in filters.SelectMany(f => reads.Select(r => (f, r))))
        {
            var query = await Store.ReadAllPageAsync(from, size, category, filter);
            var fallback = await EventPage.ReadFilteringAsync(Store, from, size, category, filter, CancellationToken.None);

            Describe(fallback).ShouldBe(Describe(query), $"from {from}, size {size}, category {category}, {filter}");
        }
    }

    [Fact]
    public async Task waiting_for_events_returns_at_once_for_stored_ones_and_wakes_on_the_next_append()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(3));
        var generous = TimeSpan.FromSeconds(30);

        var stored = Store.WaitForEventsAsync(2, generous);
        (await Task.WhenAny(stored, Task.Delay(TimeSpan.FromSeconds(10)))).ShouldBe(stored, "events past position 2 are stored");

        // A waiter may wake without new events (the contract says they "may" exist): the first append's own wake-up can
        // still be in flight, so start again until a waiter stays asleep.
        Task waiting;
        var tries = 0;
        do
        {
            waiting = Store.WaitForEventsAsync(3, generous);
            await Task.Delay(200);
        }
        while (waiting.IsCompleted && ++tries < 5);

        waiting.IsCompleted.ShouldBeFalse("nothing past the head yet");
        await Store.AppendAsync("acct-1", ExpectedVersion.From(2), Events(1, 3));
        (await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(10)))).ShouldBe(waiting, "the append wakes the waiter");
    }

    [Fact]
    public async Task waiting_for_events_sees_what_another_writer_appended_to_the_same_storage()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(2));
        var other = await TrackAsync(ReopenStoreAsync());
        await other.AppendAsync("acct-2", ExpectedVersion.NoStream, Events(1));

        var wait = Store.WaitForEventsAsync(2, TimeSpan.FromSeconds(30));

        (await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(10)))).ShouldBe(wait, "the other writer's event at position 3 is stored");
    }

    [Fact]
    public async Task a_recorded_event_carries_its_id_type_versions_position_time_correlation_causation_and_hashes()
    {
        var correlation = Guid.NewGuid();
        var causation = Guid.NewGuid();
        var sent = Event(7, correlation, causation);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);

        await Store.AppendAsync("acct-9", ExpectedVersion.NoStream, [sent]);
        var e = (await Store.ReadStreamAsync("acct-9", ReadDirection.Forward, 0).ToListAsync()).Single();

        e.EventId.ShouldBe(sent.EventId);
        e.Type.ShouldBe("test.counted.v1");
        e.SchemaVersion.ShouldBe(1);
        e.StreamVersion.ShouldBe(0);
        e.GlobalPosition.ShouldBe(1);
        e.CorrelationId.ShouldBe(correlation);
        e.CausationId.ShouldBe(causation);
        e.Data.ToArray().ShouldBe(sent.Data.ToArray());
        e.Metadata.ToArray().ShouldBe(sent.Metadata.ToArray());
        e.Timestamp.ShouldBeInRange(before, DateTimeOffset.UtcNow.AddSeconds(5));
        e.PreviousHash.ToArray().ShouldBe(new byte[32]);
        e.Hash.ToArray().ShouldBe(EventHashing.Recompute(e, new byte[32]));
    }

    [Fact]
    public async Task each_event_hash_chains_to_its_predecessor_and_verify_accepts_an_untouched_store()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(3));
        await Store.AppendAsync("acct-2", ExpectedVersion.NoStream, Events(2));
        await Store.AppendAsync("acct-1", ExpectedVersion.Exactly(2), Events(2));

        var stream = await Store.ReadStreamAsync("acct-1", ReadDirection.Forward, 0).ToListAsync();
        for (var i = 1; i < stream.Count; i++)
        {
            stream[i].PreviousHash.ToArray().ShouldBe(stream[i - 1].Hash.ToArray());
        }

        var result = await Store.VerifyAsync();
        result.IsIntact.ShouldBeTrue();
        result.EventsChecked.ShouldBe(7);
        result.StreamsChecked.ShouldBe(2);
    }

    [Fact]
    public async Task an_edited_event_row_is_found_by_verify_which_names_the_stream_and_version()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(5));
        await Store.AppendAsync("acct-2", ExpectedVersion.NoStream, Events(5));

        await TamperAsync("acct-2", 3, "{\"n\":1000000}");

        var result = await Store.VerifyAsync();
        result.IsIntact.ShouldBeFalse();
        result.FirstBroken!.StreamId.ShouldBe("acct-2");
        result.FirstBroken.StreamVersion.ShouldBe(3);
        result.FirstBroken.Reason.ShouldContain("edited");
        (await Store.VerifyAsync("acct-1")).IsIntact.ShouldBeTrue();
    }

    [Fact]
    public async Task snapshots_keep_the_newest_version_and_an_older_save_never_rolls_back()
    {
        await Store.Snapshots.SaveAsync(new Snapshot("acct-1", 10, "acct.snapshot.v1", 1, "{\"v\":10}"u8.ToArray()));
        await Store.Snapshots.SaveAsync(new Snapshot("acct-1", 5, "acct.snapshot.v1", 1, "{\"v\":5}"u8.ToArray()));

        var loaded = await Store.Snapshots.LoadAsync("acct-1");
        loaded!.StreamVersion.ShouldBe(10);
        loaded.Data.ToArray().ShouldBe("{\"v\":10}"u8.ToArray());
        (await Store.Snapshots.LoadAsync("acct-2")).ShouldBeNull();
    }

    [Fact]
    public async Task checkpoints_are_stored_by_name_and_survive_a_restart()
    {
        await Store.Checkpoints.SaveAsync("risk-projection", 41);
        await Store.Checkpoints.SaveAsync("risk-projection", 42);

        var reopened = await TrackAsync(ReopenStoreAsync());
        (await reopened.Checkpoints.LoadAsync("risk-projection")).ShouldBe(42);
        (await reopened.Checkpoints.LoadAsync("unknown")).ShouldBeNull();
    }

    [Fact]
    public async Task a_subscription_catches_up_then_receives_live_events_in_global_order()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(50));
        var seen = new ConcurrentQueue<long>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var allSeen = new TaskCompletionSource();
        var subscription = Task.Run(() => EventSubscription.RunAsync(Store, new SubscriptionOptions("catch-up") { PageSize = 16, IdleWait = TimeSpan.FromMilliseconds(50) },
            (e, _) =>
            {
                seen.Enqueue(e.GlobalPosition);
                if (seen.Count == 80)
                {
                    allSeen.TrySetResult();
                }

                return ValueTask.CompletedTask;
            }, cts.Token));

        for (var i = 0; i < 3; i++)
        {
            await Store.AppendAsync($"acct-live{i}", ExpectedVersion.NoStream, Events(10));
        }

        await allSeen.Task.WaitAsync(cts.Token);
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => subscription);
        seen.ShouldBe(Enumerable.Range(1, 80).Select(i => (long)i));
    }

    [Fact]
    public async Task a_subscription_killed_mid_stream_resumes_from_its_checkpoint_with_no_gap_or_duplicate()
    {
        for (var i = 0; i < 10; i++)
        {
            await Store.AppendAsync($"acct-{i}", ExpectedVersion.NoStream, Events(30));
        }

        var handled = new List<long>();
        var options = new SubscriptionOptions("projection") { PageSize = 25, IdleWait = TimeSpan.FromMilliseconds(50) };
        using (var kill = new CancellationTokenSource())
        {
            var first = EventSubscription.RunAsync(Store, options, async (e, ct) =>
            {
                if (e.GlobalPosition == 137)
                {
                    // The process dies while handling this event: its effect never happens.
                    await kill.CancelAsync();
                    ct.ThrowIfCancellationRequested();
                }

                handled.Add(e.GlobalPosition);
            }, kill.Token);
            await Should.ThrowAsync<OperationCanceledException>(() => first);
        }

        handled.Count.ShouldBe(136);
        var restarted = await TrackAsync(ReopenStoreAsync());
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var second = EventSubscription.RunAsync(restarted, options, async (e, _) =>
        {
            handled.Add(e.GlobalPosition);
            if (handled.Count == 300)
            {
                await done.CancelAsync();
            }
        }, done.Token);
        await Should.ThrowAsync<OperationCanceledException>(() => second);

        handled.ShouldBe(Enumerable.Range(1, 300).Select(i => (long)i));
    }

    [Fact]
    public async Task a_category_subscription_sees_only_its_category()
    {
        await Store.AppendAsync("acct-1", ExpectedVersion.NoStream, Events(3));
        await Store.AppendAsync("book-ETH-PERP", ExpectedVersion.NoStream, Events(3));
        await Store.AppendAsync("acct-2", ExpectedVersion.NoStream, Events(3));
        var streams = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var run = EventSubscription.RunAsync(Store, new SubscriptionOptions("books") { Category = "book", IdleWait = TimeSpan.FromMilliseconds(20) },
            async (e, _) =>
            {
                streams.Add(e.StreamId);
                if (streams.Count == 3)
                {
                    await cts.CancelAsync();
                }
            }, cts.Token);

        await Should.ThrowAsync<OperationCanceledException>(() => run);
        streams.ShouldBe(["book-ETH-PERP", "book-ETH-PERP", "book-ETH-PERP"]);
    }

    [Fact]
    public async Task many_concurrent_writers_on_different_streams_all_land_with_gap_free_global_positions()
    {
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Task.Run(async () =>
            {
                await Store.AppendAsync($"acct-{i}", ExpectedVersion.NoStream, Events(5));
                await Store.AppendAsync($"acct-{i}", ExpectedVersion.Exactly(4), Events(5, 5));
            })));

        var all = await Store.ReadAllAsync(1, 1000).ToListAsync();
        all.Select(e => e.GlobalPosition).ShouldBe(Enumerable.Range(1, 400).Select(i => (long)i));
        all.GroupBy(e => e.StreamId).ShouldAllBe(g => g.Select(e => e.StreamVersion).SequenceEqual(Enumerable.Range(0, 10).Select(v => (long)v)));
        (await Store.VerifyAsync()).IsIntact.ShouldBeTrue();
    }

    [Fact]
    public async Task the_aggregate_repository_loads_snapshot_plus_tail_decides_and_appends_with_the_loaded_version()
    {
        var definition = new AggregateDefinition<decimal>("acct", 0m, (balance, e) => e switch
        {
            Deposited d => balance + d.Amount,
            Withdrawn w => balance - w.Amount,
            _ => balance,
        })
        { SnapshotEvery = 4 }; // snapshots at versions 3 and 7: every 4 events past the previous one
        var repository = new AggregateRepository<decimal>(Store, Serializer, definition);

        for (var i = 1; i <= 10; i++)
        {
            await repository.ExecuteAsync("a1", _ => [new Deposited("a1", i)]);
        }

        await Should.ThrowAsync<InvalidOperationException>(() => repository.ExecuteAsync("a1",
            balance => balance < 100m ? throw new InvalidOperationException($"balance {balance} is below 100") : [new Withdrawn("a1", 100m)]));

        var loaded = await repository.LoadAsync("a1");
        loaded.State.ShouldBe(55m);
        loaded.Version.ShouldBe(9);
        loaded.SnapshotVersion.ShouldBe(7);
        (await Store.Snapshots.LoadAsync("acct-a1"))!.StreamVersion.ShouldBe(7);
    }

    [Fact]
    public async Task the_aggregate_repository_decides_again_when_another_writer_got_there_first()
    {
        var definition = new AggregateDefinition<decimal>("acct", 0m, (balance, e) => e is Deposited d ? balance + d.Amount : balance) { SnapshotEvery = 0 };
        var repository = new AggregateRepository<decimal>(Store, Serializer, definition);
        var decisions = 0;

        await repository.ExecuteAsync("a1", balance =>
        {
            if (Interlocked.Increment(ref decisions) == 1)
            {
                // A competing writer appends between our load and our append.
                Store.AppendAsync("acct-a1", ExpectedVersion.NoStream, [Serializer.Serialize(new Deposited("a1", 5m))]).GetAwaiter().GetResult();
            }

            return [new Deposited("a1", balance + 1m)];
        });

        decisions.ShouldBe(2);
        (await repository.LoadAsync("a1")).State.ShouldBe(11m);
    }

    [Fact]
    public async Task the_aggregate_repository_starts_the_next_load_from_its_cached_state_instead_of_refolding_the_stream()
    {
        var folded = 0;
        var definition = new AggregateDefinition<decimal>("acct", 0m, (balance, e) =>
        {
            Interlocked.Increment(ref folded);
            return e is Deposited d ? balance + d.Amount : balance;
        })
        { SnapshotEvery = 0 };
        var repository = new AggregateRepository<decimal>(Store, Serializer, definition);
        for (var i = 1; i <= 20; i++)
        {
            await repository.ExecuteAsync("a1", _ => [new Deposited("a1", i)]);
        }

        folded = 0;
        var loaded = await repository.LoadAsync("a1");

        loaded.State.ShouldBe(210m);
        loaded.Version.ShouldBe(19);
        folded.ShouldBe(0);   // without the cache, all 20 events are folded again
        repository.CacheHits.ShouldBeGreaterThanOrEqualTo(20);
    }

    [Fact]
    public async Task the_cached_state_is_what_the_last_execute_wrote_and_nothing_when_the_cache_is_off_or_the_id_unknown()
    {
        var definition = new AggregateDefinition<decimal>("acct", 0m, (balance, e) => e is Deposited d ? balance + d.Amount : balance) { SnapshotEvery = 0 };
        var repository = new AggregateRepository<decimal>(Store, Serializer, definition);
        repository.Cached("a1").ShouldBeNull();

        await repository.ExecuteAsync("a1", _ => [new Deposited("a1", 10m), new Deposited("a1", 5m)]);
        await Store.AppendAsync("acct-a1", ExpectedVersion.Exactly(1), [Serializer.Serialize(new Deposited("a1", 100m))]);

        // Read from memory only: another writer's append is not in it until a load or an execute reads the stream.
        var cached = repository.Cached("a1")!;
        cached.State.ShouldBe(15m);
        cached.Version.ShouldBe(1);
        (await repository.LoadAsync("a1")).State.ShouldBe(115m);
        repository.Cached("a1")!.Version.ShouldBe(2);

        var uncached = new AggregateRepository<decimal>(Store, Serializer, definition with { CacheCapacity = 0 });
        await uncached.ExecuteAsync("a1", _ => [new Deposited("a1", 1m)]);
        uncached.Cached("a1").ShouldBeNull();
    }

    [Fact]
    public async Task a_cached_aggregate_still_folds_what_another_process_appended_to_its_stream()
    {
        var definition = new AggregateDefinition<decimal>("acct", 0m, (balance, e) => e is Deposited d ? balance + d.Amount : balance) { SnapshotEvery = 3 };
        var here = new AggregateRepository<decimal>(Store, Serializer, definition);
        var elsewhere = new AggregateRepository<decimal>(Store, Serializer, definition);
        await here.ExecuteAsync("a1", _ => [new Deposited("a1", 10m)]);
        await here.LoadAsync("a1");

        await elsewhere.ExecuteAsync("a1", _ => [new Deposited("a1", 5m), new Deposited("a1", 1m)]);
        await Store.AppendAsync("acct-a1", ExpectedVersion.Exactly(2), [Serializer.Serialize(new Deposited("a1", 100m))]);
        await here.ExecuteAsync("a1", balance => [new Deposited("a1", balance)]);   // doubles what it sees

        (await here.LoadAsync("a1")).State.ShouldBe(232m);
        (await elsewhere.LoadAsync("a1")).State.ShouldBe(232m);
        (await new AggregateRepository<decimal>(Store, Serializer, definition with { CacheCapacity = 0 }).LoadAsync("a1")).State.ShouldBe(232m);
    }

    [Fact]
    public async Task a_decision_of_nothing_on_a_cached_state_is_checked_against_what_another_process_appended()
    {
        var definition = new AggregateDefinition<decimal>("acct", 0m, (balance, e) => e switch
        {
            Deposited d => balance + d.Amount,
            Withdrawn w => balance - w.Amount,
            _ => balance,
        });
        var here = new AggregateRepository<decimal>(Store, Serializer, definition);
        var elsewhere = new AggregateRepository<decimal>(Store, Serializer, definition);
        await here.ExecuteAsync("a1", _ => [new Deposited("a1", 10m)]);

        await elsewhere.ExecuteAsync("a1", _ => [new Deposited("a1", 5m)]);
        var decided = await here.ExecuteAsync("a1", balance => balance >= 15m ? [new Withdrawn("a1", 15m)] : []);

        decided.ShouldBe([new Withdrawn("a1", 15m)], "the cached 10 would decide nothing; the stream holds 15");
        (await elsewhere.LoadAsync("a1")).State.ShouldBe(0m);
        (await here.ExecuteAsync("a1", balance => balance > 0m ? [new Withdrawn("a1", balance)] : [])).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_cached_start_refused_by_another_writer_does_not_use_up_the_only_attempt()
    {
        var definition = new AggregateDefinition<decimal>("acct", 0m, (balance, e) => e is Deposited d ? balance + d.Amount : balance);
        var here = new AggregateRepository<decimal>(Store, Serializer, definition);
        await here.ExecuteAsync("a1", _ => [new Deposited("a1", 10m)]);
        await new AggregateRepository<decimal>(Store, Serializer, definition).ExecuteAsync("a1", _ => [new Deposited("a1", 5m)]);

        await here.ExecuteAsync("a1", balance => [new Deposited("a1", balance)], maxAttempts: 1);

        (await here.LoadAsync("a1")).State.ShouldBe(30m);
    }

    [Fact]
    public async Task a_full_aggregate_cache_starts_over_and_every_load_stays_exact()
    {
        var definition = new AggregateDefinition<decimal>("acct", 0m, (balance, e) => e is Deposited d ? balance + d.Amount : balance) { SnapshotEvery = 2, CacheCapacity = 3 };
        var repository = new AggregateRepository<decimal>(Store, Serializer, definition);
        for (var round = 1; round <= 3; round++)
        {
            for (var account = 0; account < 5; account++)
            {
                await repository.ExecuteAsync($"a{account}", _ => [new Deposited($"a{account}", account + 1)]);
            }
        }

        for (var account = 0; account < 5; account++)
        {
            var loaded = await repository.LoadAsync($"a{account}");
            loaded.State.ShouldBe(3m * (account + 1));
            loaded.Version.ShouldBe(2);
        }
    }
}
