using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Confluent.Kafka;

namespace Clearing.Messaging.Tests.Outbox;

/// <summary>The relay's rules against a fake producer: fast, and faults exactly where the test wants them.</summary>
public sealed class OutboxRelayCoreTests
{
    private const string Topic = "test.outbox.core";

    [Fact]
    public void the_relays_producer_lingers_at_most_a_millisecond_waits_for_ever_and_asks_only_for_delivery_status()
    {
        var service = new KafkaOptions { ServiceName = "gateway", LingerMs = 5, MessageTimeoutMs = 30_000 };

        var relay = OutboxProducer.Settings(service, new OutboxRelayOptions { Name = "orders" });

        // A long linger would hold every page back: the relay waits for a page's deliveries before it reads the next.
        relay.LingerMs.ShouldBe(1);
        relay.MessageTimeoutMs.ShouldBe(0);
        relay.ClientId.ShouldBe("gateway-0-outbox-orders");
        relay.Properties["dotnet.producer.delivery.report.fields"].ShouldBe("status");
        // The service's own settings are copied, not changed.
        service.LingerMs.ShouldBe(5);
        service.ClientId.ShouldBeNull();
    }

    [Fact]
    public async Task a_failed_delivery_keeps_the_checkpoint_and_the_whole_page_is_published_again()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 40);
        var publisher = new FakePublisher { FailNext = 1 };
        var relay = Relay(temp.Store, publisher, pageSize: 100);

        var failure = await Should.ThrowAsync<OutboxDeliveryException>(() => relay.PublishNextPageAsync());

        failure.Failures.Count.ShouldBe(1);
        failure.Message.ShouldContain("account-a0:0");
        relay.Checkpoint.ShouldBe(0);
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBeNull();

        var result = await relay.PublishNextPageAsync();
        result.ShouldBe(new OutboxPageResult(Read: 40, Published: 30, Private: 10, Checkpoint: 40, CaughtUp: true, Rewound: false));
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBe(40);
        publisher.Attempts.Count.ShouldBe(60, "the page of 30 public events went out twice");
        relay.FailedPageCount.ShouldBe(1);
    }

    [Fact]
    public async Task run_retries_a_failing_page_with_backoff_until_every_delivery_is_confirmed()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 120);
        var publisher = new FakePublisher { FailNext = 3 };
        var relay = Relay(temp.Store, publisher, pageSize: 50);
        using var stop = new CancellationTokenSource();

        var run = relay.RunAsync(stop.Token);
        await OutboxTestSupport.WaitUntilAsync(() => Task.FromResult(relay.Checkpoint == 120), "the relay confirmed every event");
        await stop.CancelAsync();
        await run;

        relay.FailedPageCount.ShouldBe(1, "the three failures hit the first page's first attempt");
        relay.PublishedCount.ShouldBe(90);
        relay.Lag.ShouldBe(0);
        var distinct = publisher.Attempts.Select(m => m.EffectiveId).Distinct().Count();
        distinct.ShouldBe(90);
    }

    [Fact]
    public async Task lag_is_the_store_head_minus_the_checkpoint()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 120);
        var relay = Relay(temp.Store, new FakePublisher(), pageSize: 50);

        await relay.InitializeAsync();
        relay.Lag.ShouldBe(120);
        await relay.PublishNextPageAsync();
        (relay.Checkpoint, relay.HeadPosition, relay.Lag).ShouldBe((50L, 120L, 70L));
        await relay.PublishNextPageAsync();
        await relay.PublishNextPageAsync();
        relay.Lag.ShouldBe(0);
    }

    [Fact]
    public async Task pages_of_private_events_store_their_checkpoint_at_most_once_a_second_and_a_public_page_stores_it_at_once()
    {
        await using var temp = new TempStore();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var relay = new OutboxRelay(temp.Store, new CreditTranslator(Topic), new FakePublisher(), new FakeWatermarks(new FakePublisher()), OutboxTestSupport.Options("core", 50), time: time);
        await relay.InitializeAsync();
        async Task PrivateAsync() => await temp.Store.AppendAsync("account-a1", ExpectedVersion.Any, [OutboxTestSupport.Serializer.Serialize(new Noted("a1", "private only"))]);

        await PrivateAsync();
        (await relay.PublishNextPageAsync()).Private.ShouldBe(1);
        relay.Checkpoint.ShouldBe(1);
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBeNull("re-reading a private page after a crash publishes nothing");

        time.Advance(OutboxRelay.PrivateCheckpointInterval);
        await PrivateAsync();
        await relay.PublishNextPageAsync();
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBe(2);

        await PrivateAsync();
        await relay.PublishNextPageAsync();
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBe(2);
        await OutboxTestSupport.AppendAsync(temp.Store, 4);
        (await relay.PublishNextPageAsync()).Published.ShouldBeGreaterThan(0);
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBe(relay.Checkpoint, "a published page's checkpoint is stored with it");
    }

    [Fact]
    public async Task a_translator_that_declares_its_private_types_gets_the_same_messages_out_without_being_handed_those_events()
    {
        await using var reading = new TempStore();
        await using var skipping = new TempStore();
        await OutboxTestSupport.AppendAsync(reading.Store, 120);
        await OutboxTestSupport.AppendAsync(skipping.Store, 120);
        var readAll = new FakePublisher();
        var skipPrivate = new FakePublisher();
        var translator = new PrivateNotesTranslator(Topic);
        var plain = Relay(reading.Store, readAll, pageSize: 25);
        var declaring = new OutboxRelay(skipping.Store, translator, skipPrivate, new FakeWatermarks(skipPrivate), OutboxTestSupport.Options("core", 25));

        while (!(await plain.PublishNextPageAsync()).CaughtUp) { }
        var pages = 1;
        while (!(await declaring.PublishNextPageAsync()).CaughtUp)
        {
            pages++;
        }

        skipPrivate.Attempts.Select(m => (m.Key, m.SourceStream, m.SourceSequence)).ShouldBe(readAll.Attempts.Select(m => (m.Key, m.SourceStream, m.SourceSequence)));
        translator.Handed.ShouldBe(90, "only the 90 credits reach the translator; the 30 notes stay in the store");
        pages.ShouldBe(4, "pages hold 25 public events each, the notes between them take no room");
        (declaring.Checkpoint, declaring.Lag, declaring.PublishedCount).ShouldBe((120L, 0L, 90L));
    }

    [Fact]
    public async Task a_tail_of_private_events_only_moves_the_checkpoint_to_the_head_and_the_relay_is_caught_up()
    {
        await using var temp = new TempStore();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var translator = new PrivateNotesTranslator(Topic);
        var relay = new OutboxRelay(temp.Store, translator, new FakePublisher(), new FakeWatermarks(new FakePublisher()), OutboxTestSupport.Options("core", 50), time: time);
        await OutboxTestSupport.AppendAsync(temp.Store, 4);
        await relay.PublishNextPageAsync();
        for (var i = 0; i < 5; i++)
        {
            await temp.Store.AppendAsync("account-a1", ExpectedVersion.Any, [OutboxTestSupport.Serializer.Serialize(new Noted("a1", $"private {i}"))]);
        }

        var tail = await relay.PublishNextPageAsync();

        tail.ShouldBe(new OutboxPageResult(Read: 0, Published: 0, Private: 0, Checkpoint: 9, CaughtUp: true, Rewound: false));
        (relay.Checkpoint, relay.Lag).ShouldBe((9L, 0L));
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBe(4, "a page that publishes nothing stores its checkpoint at most once a second");
        time.Advance(OutboxRelay.PrivateCheckpointInterval);
        await temp.Store.AppendAsync("account-a1", ExpectedVersion.Any, [OutboxTestSupport.Serializer.Serialize(new Noted("a1", "one more"))]);
        await relay.PublishNextPageAsync();
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBe(10);
        (await relay.PublishNextPageAsync()).ShouldBe(new OutboxPageResult(0, 0, 0, 10, CaughtUp: true, Rewound: false));
        translator.Handed.ShouldBe(3);
    }

    [Fact]
    public async Task an_event_the_translator_fails_on_after_skipped_ones_stops_the_checkpoint_right_before_it()
    {
        await using var temp = new TempStore();
        var translator = new PrivateNotesTranslator(Topic) { FailOnAccount = "a5" };
        var relay = new OutboxRelay(temp.Store, translator, new FakePublisher(), new FakeWatermarks(new FakePublisher()), OutboxTestSupport.Options("core", 50));
        // Positions 1-3 credits a0-a2, 4 a note, 5 credit a4, 6 credit a5 (fails), 7 credit a0.
        await OutboxTestSupport.AppendAsync(temp.Store, 7);

        var first = await relay.PublishNextPageAsync();
        var failure = await Should.ThrowAsync<OutboxTranslationException>(() => relay.PublishNextPageAsync());

        (first.Published, first.Checkpoint, first.CaughtUp).ShouldBe((4, 5L, false));
        failure.Message.ShouldContain("account-a5");
        relay.Checkpoint.ShouldBe(5);
    }

    [Fact]
    public async Task a_relay_that_never_published_does_not_take_empty_topics_for_a_wipe()
    {
        await using var temp = new TempStore();
        await temp.Store.AppendAsync("account-a1", ExpectedVersion.Any, [OutboxTestSupport.Serializer.Serialize(new Noted("a1", "private only"))]);
        var publisher = new FakePublisher();
        var relay = Relay(temp.Store, publisher);

        (await relay.CheckForBrokerWipeAsync()).ShouldBe(OutboxWipeCheck.NothingPublished);
        (await relay.PublishNextPageAsync()).Published.ShouldBe(0);
        (await relay.CheckForBrokerWipeAsync()).ShouldBe(OutboxWipeCheck.NothingPublished);
        relay.Checkpoint.ShouldBe(1);
        relay.RewindCount.ShouldBe(0);
    }

    [Fact]
    public async Task a_topic_that_ends_below_an_acknowledged_offset_makes_the_relay_republish_from_the_start_once()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 40);
        var publisher = new FakePublisher();
        var watermarks = new FakeWatermarks(publisher);
        var relay = Relay(temp.Store, publisher, watermarks, pageSize: 100);
        await relay.PublishNextPageAsync();
        (await relay.CheckForBrokerWipeAsync()).ShouldBe(OutboxWipeCheck.Intact);

        publisher.Wipe();
        (await relay.CheckForBrokerWipeAsync()).ShouldBe(OutboxWipeCheck.Rewound);
        relay.Checkpoint.ShouldBe(0);
        (await temp.Store.Checkpoints.LoadAsync("outbox-core")).ShouldBe(0);

        var republished = await relay.PublishNextPageAsync();
        republished.Published.ShouldBe(30);
        (await relay.CheckForBrokerWipeAsync()).ShouldBe(OutboxWipeCheck.Intact, "the offsets of the wiped log were forgotten");
        relay.RewindCount.ShouldBe(1);
        publisher.Attempts.Count.ShouldBe(60);
    }

    [Fact]
    public async Task a_restarted_relay_finds_the_wipe_from_the_offsets_it_stored_beside_its_checkpoint()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 40);
        var before = new FakePublisher();
        await Relay(temp.Store, before, pageSize: 100).PublishNextPageAsync();

        var wiped = new FakePublisher();
        var restarted = Relay(temp.Store, wiped, new FakeWatermarks(wiped), pageSize: 100);
        (await restarted.CheckForBrokerWipeAsync()).ShouldBe(OutboxWipeCheck.Rewound);
        (await restarted.PublishNextPageAsync()).Published.ShouldBe(30);
        wiped.Attempts.Select(m => m.EffectiveId).ShouldBe(before.Attempts.Select(m => m.EffectiveId), "the same events, with the same ids, in the same order");
    }

    [Fact]
    public async Task a_delivery_stored_at_or_below_an_acknowledged_offset_is_taken_for_a_wipe()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 40);
        var publisher = new FakePublisher();
        var relay = Relay(temp.Store, publisher, pageSize: 20);
        await relay.PublishNextPageAsync();
        relay.Checkpoint.ShouldBe(20);

        publisher.Wipe();
        var result = await relay.PublishNextPageAsync();

        result.Rewound.ShouldBeTrue();
        relay.Checkpoint.ShouldBe(0);
        await relay.PublishNextPageAsync();
        await relay.PublishNextPageAsync();
        relay.Checkpoint.ShouldBe(40);
        relay.RewindCount.ShouldBe(1);
    }

    [Fact]
    public async Task acknowledged_offsets_are_stored_at_a_partitions_first_ack_and_refreshed_once_per_wipe_check_interval()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 60);
        var publisher = new FakePublisher(partitions: 1);
        var time = new ManualTime();
        var relay = new OutboxRelay(temp.Store, new CreditTranslator(Topic), publisher, new FakeWatermarks(publisher, partitions: 1),
            OutboxTestSupport.Options("core", pageSize: 20) with { WipeCheckInterval = TimeSpan.FromMinutes(1) }, time);
        const string stored = $"outbox-core:offset:{Topic}:0";

        await relay.PublishNextPageAsync();
        (await temp.Store.Checkpoints.LoadAsync(stored)).ShouldBe(14, "the partition's first acknowledged offset (15 credits in the page)");
        await relay.PublishNextPageAsync();
        (await temp.Store.Checkpoints.LoadAsync(stored)).ShouldBe(14, "an older offset is still proof: no write per page");

        time.Advance(TimeSpan.FromMinutes(1));
        await relay.PublishNextPageAsync();
        (await temp.Store.Checkpoints.LoadAsync(stored)).ShouldBe(44);
        (await temp.Store.Checkpoints.LoadAsync($"outbox-core:partitions:{Topic}")).ShouldBe(1);
    }

    [Fact]
    public async Task an_unreachable_broker_makes_the_wipe_check_inconclusive_and_nothing_is_rewound()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 10);
        var publisher = new FakePublisher();
        var watermarks = new FakeWatermarks(publisher) { Unreachable = true };
        var relay = Relay(temp.Store, publisher, watermarks);
        await relay.PublishNextPageAsync();

        (await relay.CheckForBrokerWipeAsync()).ShouldBe(OutboxWipeCheck.Inconclusive);
        relay.Checkpoint.ShouldBe(10);
    }

    [Fact]
    public async Task a_message_for_an_undeclared_topic_stops_the_relay_at_that_event_after_publishing_the_events_before_it()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 5);
        await temp.Store.AppendAsync("account-z", ExpectedVersion.Any, [OutboxTestSupport.Serializer.Serialize(new Credited("z", 1m))]);
        var publisher = new FakePublisher();
        var relay = new OutboxRelay(temp.Store, new RoutingTranslator(), publisher, new FakeWatermarks(publisher), OutboxTestSupport.Options("core"));

        var first = await relay.PublishNextPageAsync();
        first.Checkpoint.ShouldBe(5);
        first.CaughtUp.ShouldBeFalse();
        var error = await Should.ThrowAsync<OutboxTranslationException>(() => relay.PublishNextPageAsync());
        error.Message.ShouldContain("account-z:0");
        error.Message.ShouldContain("'test.undeclared'");
        error.GlobalPosition.ShouldBe(6);
        relay.Checkpoint.ShouldBe(5);
    }

    [Fact]
    public async Task a_fatal_producer_error_surfaces_so_the_relay_gets_a_new_producer()
    {
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 10);
        var publisher = new FakePublisher { FailNext = 100, FailWith = ErrorCode.Local_Fatal, FatalFailures = true };
        var relay = Relay(temp.Store, publisher);

        await Should.ThrowAsync<OutboxPublisherFatalException>(() => relay.RunAsync(CancellationToken.None));
        relay.Checkpoint.ShouldBe(0);
    }

    [Fact]
    public async Task the_relay_stamps_the_inbox_coordinates_time_and_correlation_from_the_stored_event()
    {
        await using var temp = new TempStore();
        var correlation = Guid.NewGuid();
        await OutboxTestSupport.AppendAsync(temp.Store, 3, correlation: correlation);
        var publisher = new FakePublisher();
        await Relay(temp.Store, publisher).PublishNextPageAsync();

        var stored = (await OutboxTestSupport.ReadAllAsync(temp.Store)).Where(OutboxTestSupport.IsPublic).ToList();
        var sent = publisher.Attempts.ToList();
        sent.Count.ShouldBe(stored.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            sent[i].SourceStream.ShouldBe(stored[i].StreamId);
            sent[i].SourceSequence.ShouldBe(stored[i].StreamVersion);
            sent[i].Id.ShouldBe($"{stored[i].StreamId}:{stored[i].StreamVersion}");
            sent[i].Time.ShouldBe(stored[i].Timestamp);
            sent[i].CorrelationId.ShouldBe(correlation.ToString());
            sent[i].CausationId.ShouldBe(stored[i].CausationId!.Value.ToString());
        }
    }

    [Fact]
    public void options_with_a_bad_value_are_refused_naming_the_setting()
    {
        Should.Throw<ArgumentException>(() => OutboxTestSupport.Options("has space").Validate()).Message.ShouldContain("OutboxRelayOptions.Name");
        Should.Throw<ArgumentOutOfRangeException>(() => (OutboxTestSupport.Options("x") with { PageSize = 0 }).Validate()).Message.ShouldContain("PageSize");
        Should.Throw<ArgumentOutOfRangeException>(() => (OutboxTestSupport.Options("x") with { DeliveryTimeout = TimeSpan.FromMilliseconds(10) }).Validate()).Message.ShouldContain("DeliveryTimeout");
    }

    private static OutboxRelay Relay(IEventStore store, FakePublisher publisher, IOutboxWatermarks? watermarks = null, int pageSize = 50) =>
        new(store, new CreditTranslator(Topic), publisher, watermarks ?? new FakeWatermarks(publisher), OutboxTestSupport.Options("core", pageSize));

    /// <summary>The credit translator, declaring notes private; counts the events it is handed and can fail on one account.</summary>
    private sealed class PrivateNotesTranslator(string topic) : IOutboxTranslator
    {
        private readonly CreditTranslator _inner = new(topic);

        public int Handed { get; private set; }

        public string? FailOnAccount { get; init; }

        public IReadOnlyCollection<string> Topics => _inner.Topics;

        public EventTypeFilter StoredTypes { get; } = EventTypeFilter.Except("test.outbox.noted.v1");

        public OutboundMessage? Translate(RecordedEvent recorded)
        {
            Handed++;
            recorded.Type.ShouldNotBe("test.outbox.noted.v1");
            if (FailOnAccount is not null && recorded.StreamId == $"account-{FailOnAccount}")
            {
                throw new InvalidOperationException($"cannot translate {recorded.StreamId}");
            }

            return _inner.Translate(recorded);
        }
    }

    /// <summary>Sends account z's credits to a topic it never declared.</summary>
    private sealed class RoutingTranslator : IOutboxTranslator
    {
        private readonly CreditTranslator _inner = new(Topic);

        public IReadOnlyCollection<string> Topics => _inner.Topics;

        public OutboundMessage? Translate(RecordedEvent recorded) =>
            _inner.Translate(recorded) is { } message && recorded.StreamId == "account-z" ? message with { Topic = "test.undeclared" } : _inner.Translate(recorded);
    }
}
