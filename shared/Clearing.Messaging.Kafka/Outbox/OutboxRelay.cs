using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>
/// Publishes a service's stored events to Kafka from a stored checkpoint (DESIGN.md §6, outbox). Each page is read
/// from the store, translated, produced as a whole without awaiting each acknowledgement, and only when every delivery
/// report of the page is in does the checkpoint move to the page's last position. A failed delivery leaves the
/// checkpoint where it was and the page is published again after a pause: an event may go out twice, never zero times.
/// </summary>
/// <remarks>
/// Broker wipe: the relay remembers, next to its checkpoint, the last offset the broker acknowledged on each partition
/// it wrote to. At start, every <see cref="OutboxRelayOptions.WipeCheckInterval"/>, and on every page's delivery
/// reports, it compares: a partition that ends at or below an acknowledged offset (an emptied topic has high
/// watermark 0), or a new message stored at or below one, means the broker lost what the relay had published. The
/// relay then rewinds to the start of the store and republishes everything; consumers skip what their inbox has
/// seen. See Outbox/README.md for the rule's limits.
/// One caller at a time: <see cref="RunAsync"/>, or the step methods (<see cref="PublishNextPageAsync"/>,
/// <see cref="CheckForBrokerWipeAsync"/>) from a single loop; the counters and <see cref="Lag"/> may be read anywhere.
/// </remarks>
public sealed partial class OutboxRelay
{
    private static readonly TimeSpan QueueFullPause = TimeSpan.FromMilliseconds(5);

    private readonly IEventStore _store;
    private readonly ICheckpointStore _checkpoints;
    private readonly IOutboxTranslator _translator;
    private readonly IKafkaPublisher _publisher;
    private readonly IOutboxWatermarks _watermarks;
    private readonly OutboxRelayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HashSet<string> _topics;
    private readonly EventTypeFilter _storedTypes;
    private readonly KeyValuePair<string, object?> _tag;
    private OutboxAcknowledgedOffsets? _acknowledged;
    private long _checkpoint = -1;
    private long _offsetsStoredAt;
    private long _checkpointStoredAt;
    private long _head;
    private long _published;
    private long _private;
    private long _failedPages;
    private long _rewinds;

    public OutboxRelay(
        IEventStore store,
        IOutboxTranslator translator,
        IKafkaPublisher publisher,
        IOutboxWatermarks watermarks,
        OutboxRelayOptions options,
        TimeProvider? time = null,
        ILogger? logger = null,
        ICheckpointStore? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(translator);
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentNullException.ThrowIfNull(watermarks);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var topics = translator.Topics ?? throw new ArgumentException("IOutboxTranslator.Topics must not be null.", nameof(translator));
        if (topics.Count == 0 || topics.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"Outbox relay '{options.Name}': the translator must declare at least one topic and no empty topic names.", nameof(translator));
        }

        _store = store;
        _checkpoints = checkpoints ?? store.Checkpoints;
        _translator = translator;
        _publisher = publisher;
        _watermarks = watermarks;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _topics = new HashSet<string>(topics, StringComparer.Ordinal);
        _storedTypes = translator.StoredTypes ?? throw new ArgumentException("IOutboxTranslator.StoredTypes must not be null.", nameof(translator));
        _tag = new KeyValuePair<string, object?>("relay", options.Name);
    }

    public string Name => _options.Name;

    /// <summary>The last global position the broker confirmed (0 before anything was confirmed).</summary>
    public long Checkpoint => Math.Max(0, Interlocked.Read(ref _checkpoint));

    /// <summary>How long the checkpoint past pages that published nothing may live only in memory.</summary>
    public static readonly TimeSpan PrivateCheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>The store's head position when the relay last looked.</summary>
    public long HeadPosition => Interlocked.Read(ref _head);

    /// <summary>Stored events not yet confirmed by the broker, by position: head − checkpoint.</summary>
    public long Lag => Math.Max(0, HeadPosition - Checkpoint);

    public long PublishedCount => Interlocked.Read(ref _published);

    public long PrivateCount => Interlocked.Read(ref _private);

    public long FailedPageCount => Interlocked.Read(ref _failedPages);

    public long RewindCount => Interlocked.Read(ref _rewinds);

    /// <summary>Loads the checkpoint and the acknowledged offsets; the other operations call it first.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_acknowledged is not null)
        {
            return;
        }

        var checkpoint = await _checkpoints.LoadAsync(_options.CheckpointName, cancellationToken) ?? 0;
        _acknowledged = await OutboxAcknowledgedOffsets.LoadAsync(_checkpoints, Name, _topics.Order(StringComparer.Ordinal), cancellationToken);
        _offsetsStoredAt = _time.GetTimestamp();
        _checkpointStoredAt = _time.GetTimestamp();
        Interlocked.Exchange(ref _checkpoint, checkpoint);
        Interlocked.Exchange(ref _head, await _store.GetHeadPositionAsync(cancellationToken));
    }

    /// <summary>
    /// Publishes the next page after the checkpoint and moves the checkpoint past it once every message is confirmed.
    /// Throws <see cref="OutboxDeliveryException"/> (checkpoint unchanged) when any delivery failed,
    /// <see cref="OutboxPublisherFatalException"/> when the producer is beyond use, and
    /// <see cref="OutboxTranslationException"/> when the translator fails on an event.
    /// </summary>
    public async Task<OutboxPageResult> PublishNextPageAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        var acknowledged = _acknowledged!;
        var checkpoint = Checkpoint;
        // Types the translator never publishes stay in the store unread; the page still covers them, so the checkpoint moves past them.
        var read = await _store.ReadAllPageAsync(checkpoint + 1, _options.PageSize, _options.Category, _storedTypes, cancellationToken);
        var page = read.Events as List<RecordedEvent> ?? [.. read.Events];
        Interlocked.Exchange(ref _head, Math.Max(read.Head, read.CoveredTo));
        if (read.CoveredTo <= checkpoint)
        {
            return new OutboxPageResult(0, 0, 0, checkpoint, CaughtUp: true, Rewound: false);
        }

        var (messages, translated) = Translate(page);
        var stoppedAtBadEvent = translated < page.Count;
        var last = read.CoveredTo;
        if (stoppedAtBadEvent)
        {
            // Publish what precedes an event the translator fails on; the next page starts at that event and reports it.
            last = page[translated].GlobalPosition - 1;
            page.RemoveRange(translated, page.Count - translated);
        }

        var delivery = new OutboxPageDelivery(messages.Count);
        await ProduceAsync(messages, delivery, cancellationToken);
        await AwaitDeliveryAsync(delivery, cancellationToken);

        var failures = delivery.Failures();
        if (failures.Count > 0)
        {
            Interlocked.Increment(ref _failedPages);
            OutboxMetrics.FailedPages.Add(1, _tag);
            ReportOrderingGaps(messages, delivery, failures);
            var first = failures[0];
            var summary = $"Outbox {Name}: {failures.Count} of {messages.Count} message(s) of the page after position {checkpoint} were not confirmed " +
                $"(first: {messages[first.Index].SourceStream}:{messages[first.Index].SourceSequence} to {messages[first.Index].Topic}, {first.Reason})";
            if (failures.Any(f => f.IsFatal))
            {
                throw new OutboxPublisherFatalException(summary + "; the producer reported a fatal error", first.ProduceException ?? new KafkaException(first.Error!));
            }

            throw new OutboxDeliveryException(summary, failures);
        }

        var delivered = delivery.Delivered().Select(d => d.Position).ToList();
        if (acknowledged.FindRegression(delivered) is { } evidence)
        {
            await RewindAsync(evidence);
            return new OutboxPageResult(page.Count, messages.Count, page.Count - messages.Count, Checkpoint, CaughtUp: false, Rewound: true);
        }

        // Offsets first: a crash before the checkpoint then only repeats the page, while the reverse order could leave
        // a checkpoint past messages whose partitions have no stored offset, and a later wipe of them would go unnoticed.
        var storeAllOffsets = _time.GetElapsedTime(_offsetsStoredAt) >= _options.WipeCheckInterval;
        await acknowledged.AdvanceAsync(delivered, storeAllOffsets, CancellationToken.None);
        if (storeAllOffsets)
        {
            _offsetsStoredAt = _time.GetTimestamp();
        }

        // A page of private events only publishes nothing, so re-reading it after a crash is harmless: its checkpoint is
        // stored at most once per PrivateCheckpointInterval instead of as one more store write for every private append
        // (a service that stores each consumed fill would otherwise pay two commits per fill).
        if (messages.Count > 0 || _time.GetElapsedTime(_checkpointStoredAt) >= PrivateCheckpointInterval)
        {
            await _checkpoints.SaveAsync(_options.CheckpointName, last, CancellationToken.None);
            _checkpointStoredAt = _time.GetTimestamp();
        }

        Interlocked.Exchange(ref _checkpoint, last);
        Interlocked.Add(ref _published, messages.Count);
        Interlocked.Add(ref _private, page.Count - messages.Count);
        OutboxMetrics.Published.Add(messages.Count, _tag);
        OutboxMetrics.Private.Add(page.Count - messages.Count, _tag);
        var caughtUp = read.CaughtUp && !stoppedAtBadEvent;
        return new OutboxPageResult(page.Count, messages.Count, page.Count - messages.Count, last, caughtUp, Rewound: false);
    }

    /// <summary>
    /// Compares the high watermarks of every topic this relay has published to with the offsets the broker acknowledged,
    /// and rewinds to the start of the store when a partition lost an acknowledged record.
    /// </summary>
    public async Task<OutboxWipeCheck> CheckForBrokerWipeAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken);
        var acknowledged = _acknowledged!;
        if (!acknowledged.HasPublished)
        {
            return OutboxWipeCheck.NothingPublished;
        }

        foreach (var topic in acknowledged.PublishedTopics.ToList())
        {
            IReadOnlyDictionary<int, long> highs;
            try
            {
                highs = await _watermarks.GetHighWatermarksAsync(topic, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // An unreachable broker proves nothing; the delivery reports keep watching until the next check.
                LogWipeCheckInconclusive(_logger, e, Name, topic, e.Message);
                return OutboxWipeCheck.Inconclusive;
            }

            if (acknowledged.FindMissing(topic, highs) is { } evidence)
            {
                await RewindAsync(evidence);
                return OutboxWipeCheck.Rewound;
            }
        }

        return OutboxWipeCheck.Intact;
    }

    /// <summary>Publishes until cancelled: pages back to back while behind, waiting for commits when caught up.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        OutboxMetrics.Register(this);
        try
        {
            var failures = 0;
            var nextCheck = DateTimeOffset.MinValue;
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (_time.GetUtcNow() >= nextCheck)
                    {
                        await CheckForBrokerWipeAsync(cancellationToken);
                        LogProgress(Lag > 0 ? LogLevel.Information : LogLevel.Debug);
                        nextCheck = _time.GetUtcNow() + _options.WipeCheckInterval;
                    }

                    var result = await PublishNextPageAsync(cancellationToken);
                    if (failures > 0)
                    {
                        LogRecovered(_logger, Name, failures, Checkpoint);
                        failures = 0;
                    }

                    if (result.CaughtUp)
                    {
                        // A category relay may sit behind the global head: wait for commits past the head instead.
                        var waitFrom = _options.Category is null ? Checkpoint : Math.Max(Checkpoint, HeadPosition);
                        var untilCheck = nextCheck - _time.GetUtcNow();
                        var wait = untilCheck < _options.IdleWait ? untilCheck : _options.IdleWait;
                        if (wait > TimeSpan.Zero)
                        {
                            await _store.WaitForEventsAsync(waitFrom, wait, cancellationToken);
                        }
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (OutboxPublisherFatalException)
                {
                    throw;
                }
                catch (Exception e)
                {
                    failures++;
                    var delay = Backoff(failures);
                    LogPageFailed(_logger, e, Name, Checkpoint, failures, delay.TotalMilliseconds, e.Message);
                    try
                    {
                        await Task.Delay(delay, _time, cancellationToken);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            OutboxMetrics.Unregister(this);
        }
    }

    /// <summary>
    /// Translates the page up to the first event the translator fails on; returns the messages and how many events
    /// were handled. A failure on the page's first event throws, so a bad event stops the relay right there.
    /// </summary>
    private (List<OutboundMessage> Messages, int Translated) Translate(List<RecordedEvent> page)
    {
        var messages = new List<OutboundMessage>(page.Count);
        for (var i = 0; i < page.Count; i++)
        {
            OutboundMessage? message;
            try
            {
                message = TranslateOne(page[i]);
            }
            catch (OutboxTranslationException) when (i > 0)
            {
                return (messages, i);
            }

            if (message is not null)
            {
                messages.Add(message);
            }
        }

        return (messages, page.Count);
    }

    private OutboundMessage? TranslateOne(RecordedEvent recorded)
    {
        OutboundMessage? translated;
        try
        {
            translated = _translator.Translate(recorded);
        }
        catch (Exception e)
        {
            throw new OutboxTranslationException(recorded, e.Message, e);
        }

        if (translated is null)
        {
            return null;
        }

        if (!_topics.Contains(translated.Topic))
        {
            throw new OutboxTranslationException(recorded,
                $"it was routed to topic '{translated.Topic}', which the translator's Topics ({string.Join(", ", _topics.Order(StringComparer.Ordinal))}) do not declare; " +
                "declare it so the relay watches that topic for a broker wipe");
        }

        var message = OutboxMessages.Stamp(translated, recorded);
        try
        {
            message.Validate();
        }
        catch (ArgumentException e)
        {
            throw new OutboxTranslationException(recorded, e.Message, e);
        }

        return message;
    }

    private async Task ProduceAsync(List<OutboundMessage> messages, OutboxPageDelivery delivery, CancellationToken cancellationToken)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            try
            {
                await ProduceOneAsync(messages[i], delivery.CallbackFor(i), cancellationToken);
            }
            catch (Exception e)
            {
                // The rest of the page never left; what did leave still reports, and the page fails as a whole.
                delivery.Unproduced(i, e);
                return;
            }
        }
    }

    private async ValueTask ProduceOneAsync(OutboundMessage message, Action<DeliveryReport<byte[]?, byte[]?>> onDelivered, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.SlowDeliveryWarning;
        while (true)
        {
            try
            {
                _publisher.Publish(message, onDelivered);
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull && _time.GetUtcNow() < deadline)
            {
                // The client's queue is full (other publishers share it): let deliveries drain.
                await Task.Delay(QueueFullPause, _time, cancellationToken);
            }
        }
    }

    private async Task AwaitDeliveryAsync(OutboxPageDelivery delivery, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (!delivery.Completion.IsCompleted)
        {
            try
            {
                await delivery.Completion.WaitAsync(_options.SlowDeliveryWarning, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                LogSlowDelivery(_logger, Name, delivery.Outstanding, _time.GetElapsedTime(started).TotalSeconds, Checkpoint);
            }
        }
    }

    /// <summary>
    /// A message that failed outright while a later message of the same source was stored means a consumer may apply
    /// the later one first and then skip the earlier one as a repeat. The relay's own producer waits for ever so this
    /// should not happen; if a producer with a delivery timeout does it, it must be loud.
    /// </summary>
    private void ReportOrderingGaps(List<OutboundMessage> messages, OutboxPageDelivery delivery, IReadOnlyList<OutboxDeliveryFailure> failures)
    {
        var lost = failures.Where(f => f.Status == PersistenceStatus.NotPersisted && f.ProduceException is null).ToList();
        if (lost.Count == 0)
        {
            return;
        }

        var delivered = delivery.Delivered().Select(d => d.Index).ToList();
        foreach (var failure in lost)
        {
            var missing = messages[failure.Index];
            var later = delivered.Select(i => messages[i]).FirstOrDefault(m =>
                m.SourceStream == missing.SourceStream && m.Topic == missing.Topic && m.SourceSequence > missing.SourceSequence);
            if (later is not null)
            {
                LogOrderingGap(_logger, Name, missing.SourceStream, missing.SourceSequence, later.SourceSequence, missing.Topic);
            }
        }
    }

    private async Task RewindAsync(OutboxWipeEvidence evidence)
    {
        var previous = Checkpoint;
        // The checkpoint first: a crash right after still republishes everything, and the next start finds the same evidence.
        await _checkpoints.SaveAsync(_options.CheckpointName, 0, CancellationToken.None);
        Interlocked.Exchange(ref _checkpoint, 0);
        await _acknowledged!.ResetAsync(CancellationToken.None);
        Interlocked.Increment(ref _rewinds);
        OutboxMetrics.Rewinds.Add(1, _tag);
        LogBrokerWiped(_logger, Name, evidence.ToString(), previous, HeadPosition);
    }

    private TimeSpan Backoff(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 30));
        var delay = _options.RetryBaseDelay * factor;
        return delay > _options.RetryMaxDelay ? _options.RetryMaxDelay : delay;
    }

    private void LogProgress(LogLevel level)
    {
        if (_logger.IsEnabled(level))
        {
            _logger.Log(level, "Outbox {Relay}: checkpoint {Checkpoint}, store head {Head}, lag {Lag} event(s); {Published} published, {Private} private, {FailedPages} failed page(s), {Rewinds} rewind(s)",
                Name, Checkpoint, HeadPosition, Lag, PublishedCount, PrivateCount, FailedPageCount, RewindCount);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Relay}: publishing after position {Checkpoint} failed ({Failures} in a row); retrying the page in {DelayMs} ms: {Reason}")]
    private static partial void LogPageFailed(ILogger logger, Exception exception, string relay, long checkpoint, int failures, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Relay}: publishing again after {Failures} failed attempt(s); checkpoint {Checkpoint}")]
    private static partial void LogRecovered(ILogger logger, string relay, int failures, long checkpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Relay}: {Outstanding} message(s) after position {Checkpoint} still wait for the broker after {Seconds:F0} s")]
    private static partial void LogSlowDelivery(ILogger logger, string relay, int outstanding, double seconds, long checkpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Relay}: broker-wipe check of {Topic} inconclusive ({Reason}); publishing goes on and the check runs again")]
    private static partial void LogWipeCheckInconclusive(ILogger logger, Exception exception, string relay, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {Relay}: BROKER WIPE DETECTED — {Evidence}. The broker lost messages this relay had published, so it republishes every event from the start of the store (checkpoint was {Previous}, store head {Head}); consumers skip what their inbox already applied")]
    private static partial void LogBrokerWiped(ILogger logger, string relay, string evidence, long previous, long head);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Outbox {Relay}: {Stream}:{Sequence} to {Topic} failed while the later sequence {LaterSequence} of the same stream was stored; a consumer that applied the later one will skip the republished earlier one. Use a producer without a delivery timeout")]
    private static partial void LogOrderingGap(ILogger logger, string relay, string stream, long sequence, long laterSequence, string topic);
}

/// <summary>What one page did.</summary>
public sealed record OutboxPageResult(int Read, int Published, int Private, long Checkpoint, bool CaughtUp, bool Rewound);

public enum OutboxWipeCheck
{
    /// <summary>Nothing was acknowledged yet (or since the last rewind): an empty topic proves nothing.</summary>
    NothingPublished,

    /// <summary>Every partition still holds the last record the relay had acknowledged there.</summary>
    Intact,

    /// <summary>The broker could not answer.</summary>
    Inconclusive,

    /// <summary>A partition lost acknowledged records; the relay rewound to the start of the store.</summary>
    Rewound,
}
