using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Messaging.Kafka.Producing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Cli.Commands.Replay;

/// <summary>
/// The three things ops do with a store on a bad night: rebuild read models and compare them with the live ones,
/// look at an aggregate as it was (time travel), and push a range of events to a topic again.
/// Exit codes: 0 done (and no difference), 4 the rebuilt state differs from the live one, 2 bad arguments.
/// </summary>
internal static class ReplayRunner
{
    public const int Differs = 4;
    private const int Page = 4096;
    private const int ReadPage = 16_384;

    public static Task<int> RunAsync(IEventStore store, IReplayModule? module, ReplayOptions options, TextWriter output, TextWriter error,
        bool interactive, CancellationToken cancellationToken) => options.Mode switch
        {
            ReplayMode.TimeTravel => TimeTravelAsync(store, module, options, output, error, cancellationToken),
            ReplayMode.Republish => RepublishAsync(store, module, options, output, error, interactive, cancellationToken),
            _ => RebuildAsync(store, module, options, output, error, interactive, cancellationToken),
        };

    private static async Task<int> TimeTravelAsync(IEventStore store, IReplayModule? module, ReplayOptions options, TextWriter output,
        TextWriter error, CancellationToken cancellationToken)
    {
        var stream = options.Stream!;
        var events = new List<RecordedEvent>();
        await foreach (var recorded in store.ReadStreamAsync(stream, ReadDirection.Forward, 0, cancellationToken: cancellationToken))
        {
            if ((options.AtVersion is { } version && recorded.StreamVersion > version) ||
                (options.AtTime is { } time && recorded.Timestamp > time))
            {
                break;
            }
            events.Add(recorded);
        }
        if (events.Count == 0)
        {
            error.WriteLine($"clearing replay: stream '{stream}' has no events{AsOf(options)}.{FoldedHint(module)}");
            return 2;
        }

        var last = events[^1];
        var result = new JsonObject
        {
            ["stream"] = stream,
            ["version"] = last.StreamVersion,
            ["time"] = last.Timestamp.ToString("O"),
            ["events"] = events.Count,
        };
        JsonNode? state;
        try
        {
            state = module?.Fold(stream, events);
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException)
        {
            // A stored event this build cannot read, or a book the code no longer reproduces: say which, do not guess.
            error.WriteLine($"clearing replay: cannot fold '{stream}' up to version {last.StreamVersion}: {ex.Message}");
            return 2;
        }
        if (state is not null)
        {
            result["state"] = state;
        }
        else
        {
            // No fold for this stream: the events themselves are the most faithful state there is.
            error.WriteLine($"clearing replay: no state is folded for '{stream}', so its events are listed.{FoldedHint(module)}");
            result["history"] = new JsonArray(events.Select(e => (JsonNode)new JsonObject
            {
                ["version"] = e.StreamVersion,
                ["type"] = e.Type,
                ["time"] = e.Timestamp.ToString("O"),
                ["data"] = JsonNode.Parse(e.Data.Span),
            }).ToArray());
        }
        output.WriteLine(result.ToJsonString(Indented(options)));
        return 0;
    }

    private static async Task<int> RebuildAsync(IEventStore store, IReplayModule? module, ReplayOptions options, TextWriter output,
        TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        var whole = System.Diagnostics.Stopwatch.StartNew();
        ReplayStore? fresh = null;
        if (options.OutputStore is { } file)
        {
            try
            {
                fresh = ReplayStore.Create(file, options.Force);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                error.WriteLine($"clearing replay: cannot write the fresh store: {ex.Message}");
                return 2;
            }
        }
        using var freshStore = fresh;

        var projections = module?.CreateProjections() ?? [];
        if (projections.Count == 0 && module is { FoldedStreams.Count: > 0 })
        {
            error.WriteLine($"clearing replay: {module.Service} keeps no read model to rebuild (only margin does), so this counts its events by type; show an aggregate with --stream.{FoldedHint(module)}");
        }
        var head = await store.GetHeadPositionAsync(cancellationToken);
        var last = Math.Min(options.ToPosition ?? head, head);
        var progress = new ReplayProgress(error, Math.Max(0, last - options.FromPosition + 1), interactive);
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);

        await FoldAsync(store, module, projections, options.FromPosition, last, byType, progress.Advance, cancellationToken);
        progress.Complete();
        // Only a fold from the first position to the head saw every event of a live stream a projection may capture.
        var foldedWholeStore = options.FromPosition <= 1 && last == head;
        var folded = progress.Elapsed;

        var report = new JsonObject
        {
            ["service"] = options.Service,
            ["events"] = progress.Done,
            ["seconds"] = Math.Round(folded.TotalSeconds, 3),
            ["eventsPerSecond"] = Math.Round(progress.EventsPerSecond),
            ["types"] = new JsonObject(byType.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        var differs = false;
        var results = new JsonArray();
        var writing = TimeSpan.Zero;
        long rowsWritten = 0;
        var sources = new ReplaySources(options.ServiceDataDirectory, store);
        foreach (var projection in projections)
        {
            var result = new JsonObject { ["projection"] = projection.Name };
            if (fresh is not null)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var written = fresh.WriteRows(projection.Name, projection.RowsInKeyOrder(), cancellationToken);
                writing += System.Diagnostics.Stopwatch.GetElapsedTime(started);
                rowsWritten += written;
                result["rows"] = written;
            }

            if (options.Output is { } directory)
            {
                WriteRows(directory, projection);
            }

            var diff = await DiffAsync(projection, fresh, sources, foldedWholeStore, options.MaxListedDifferences, cancellationToken);
            if (diff is null)
            {
                result["rows"] ??= projection.RowsInKeyOrder().LongCount();
                result["live"] = null;
                result["differences"] = null;
            }
            else
            {
                differs |= diff.Count > 0;
                result["rows"] ??= diff.RebuiltRows;
                result["live"] = diff.LiveRows;
                result["differenceCount"] = diff.Count;
                result["differences"] = new JsonArray(diff.Listed.Select(d => (JsonNode)d).ToArray());
            }
            results.Add(result);
        }
        report["projections"] = results;
        if (fresh is not null)
        {
            fresh.SetInfo("service", options.Service);
            fresh.SetInfo("fromPosition", options.FromPosition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            fresh.SetInfo("toPosition", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
            fresh.SetInfo("events", progress.Done.ToString(System.Globalization.CultureInfo.InvariantCulture));
            fresh.SetInfo("differs", differs ? "true" : "false");
            fresh.SetInfo("rebuiltAt", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            fresh.Complete();
            var total = folded + writing;
            report["out"] = new JsonObject
            {
                ["file"] = fresh.Target.FullName,
                ["rows"] = rowsWritten,
                ["writeSeconds"] = Math.Round(writing.TotalSeconds, 3),
                // The rebuild's throughput counting the write: events per second of folding plus writing every row.
                ["eventsPerSecondWithWrite"] = Math.Round(progress.Done / Math.Max(total.TotalSeconds, 1e-9)),
            };
            error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"replay: wrote {rowsWritten:N0} rows to {fresh.Target.FullName} in {writing.TotalSeconds:F1} s; {progress.Done / Math.Max(total.TotalSeconds, 1e-9):N0} ev/s with the write"));
        }
        // The fold's rate above is the progress bar's; this one is the command's: read, fold, write (--out) and diff.
        var endToEnd = progress.Done / Math.Max(whole.Elapsed.TotalSeconds, 1e-9);
        report["totalSeconds"] = Math.Round(whole.Elapsed.TotalSeconds, 3);
        report["eventsPerSecondEndToEnd"] = Math.Round(endToEnd);
        error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"replay: {progress.Done:N0} events rebuilt{(fresh is not null ? ", written" : "")} and diffed in {whole.Elapsed.TotalSeconds:F1} s: {endToEnd:N0} ev/s end to end"));
        if (module is null)
        {
            report["note"] = $"no replay module for '{options.Service}': events were read and counted, no read model was rebuilt";
        }
        output.WriteLine(report.ToJsonString(Indented(options)));
        return differs ? Differs : 0;
    }

    /// <summary>
    /// One projection's diff against its live rows, or null when it has no live source. The live rows come from what the
    /// projection captured during a whole-store fold when it can (<see cref="ICapturesLiveRows"/>): the diff is then made
    /// in memory, and a fresh store is checked to hold every row written (count and bytes; the rows written are the ones
    /// the diff compares, written from the same entries). Otherwise the live rows are read from their source, and with a
    /// fresh store the rebuilt rows are read back from it: what was written is what is compared.
    /// </summary>
    private static async Task<DiffResult?> DiffAsync(IReplayProjection projection, ReplayStore? fresh, ReplaySources sources, bool foldedWholeStore,
        int maxListed, CancellationToken cancellationToken)
    {
        if (foldedWholeStore && projection is ICapturesLiveRows captured)
        {
            fresh?.EnsureWritten(projection.Name);
            return captured.DiffWithCaptured(maxListed);
        }
        var live = await projection.ReadLiveInKeyOrderAsync(sources, cancellationToken);
        if (live is null)
        {
            return null;
        }
        var rebuilt = fresh is not null ? fresh.ReadRowsAsync(projection.Name, cancellationToken) : projection.RowsInKeyOrder().ToAsyncEnumerable();
        // The live side is read on a stage of its own while this thread produces and compares the rebuilt rows.
        return await DiffInKeyOrderAsync(projection.Name, rebuilt, RowPrefetch.RunAheadAsync(live, cancellationToken), maxListed, cancellationToken);
    }

    /// <summary>
    /// Folds $all from <paramref name="from"/> to <paramref name="to"/> into <paramref name="projections"/>: read and
    /// decoded on one stage, applied here in store order; counts events per type; reports each folded batch's size.
    /// </summary>
    internal static async Task<long> FoldAsync(IEventStore store, IReplayModule? module, IReadOnlyList<IReplayProjection> projections, long from, long to,
        Dictionary<string, long> byType, Action<long> folded, CancellationToken cancellationToken, int batchSize = BatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        long total = 0;
        await foreach (var batch in ReadDecodedAsync(store, module, from, to, batchSize, cancellationToken))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var recorded = batch.Events[i];
                var decoded = batch.Decoded[i];
                foreach (var projection in projections)
                {
                    projection.Apply(recorded, decoded);
                }
                ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(byType, recorded.Type, out _);
                count++;
            }
            total += batch.Count;
            folded(batch.Count);
        }
        return total;
    }

    // Small batches, few in flight: everything the read stage holds ahead of the fold survives the next gen0 collection
    // and is copied, so 8 × 1,024 events in flight (session 4) cost more in GC than they saved in hand-offs.
    private const int BatchSize = 256;
    private const int BatchesInFlight = 4;

    /// <summary>Events of one batch in store order, each with what the module's read stage decoded (or null).</summary>
    private sealed class DecodedBatch(int size)
    {
        public readonly RecordedEvent[] Events = new RecordedEvent[size];
        public readonly object?[] Decoded = new object?[size];
        public int Count;
    }

    /// <summary>
    /// $all in batches, read and decoded on a stage of its own: SQLite reading and JSON decoding of the next batches run
    /// on one thread while the caller folds the current one on another (a bounded channel keeps the read stage at most
    /// <see cref="BatchesInFlight"/> batches ahead). A read or decode failure ends the enumeration with that exception.
    /// </summary>
    private static async IAsyncEnumerable<DecodedBatch> ReadDecodedAsync(IEventStore store, IReplayModule? module, long from, long to, int batchSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<DecodedBatch>(new BoundedChannelOptions(BatchesInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = Task.Run(async () =>
        {
            try
            {
                var batch = new DecodedBatch(batchSize);
                await foreach (var recorded in ReadRangeAsync(store, from, to, stop.Token))
                {
                    batch.Events[batch.Count] = recorded;
                    batch.Decoded[batch.Count] = module?.Decode(recorded);
                    if (++batch.Count == batchSize)
                    {
                        await channel.Writer.WriteAsync(batch, stop.Token);
                        batch = new DecodedBatch(batchSize);
                    }
                }
                if (batch.Count > 0)
                {
                    await channel.Writer.WriteAsync(batch, stop.Token);
                }
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                // Handed to the folding side, which rethrows it from its read of the channel.
                channel.Writer.TryComplete(ex);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var batch in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return batch;
            }
        }
        finally
        {
            // The fold stopped (done, failed or cancelled): stop the read stage too and wait for it to let go of the store.
            await stop.CancelAsync();
            await reading;
        }
    }

    private static async Task<int> RepublishAsync(IEventStore store, IReplayModule? module, ReplayOptions options, TextWriter output,
        TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        var translator = options.Raw ? null : module?.Translator;
        if (!options.Raw && translator is null)
        {
            error.WriteLine($"clearing replay: '{options.Service}' has no translator to rebuild its public messages; pass --raw to publish the stored events as they are.");
            return 2;
        }

        IAsyncEnumerable<RecordedEvent> source;
        long total;
        if (options.Stream is { } stream)
        {
            var version = await store.GetStreamVersionAsync(stream, cancellationToken);
            source = store.ReadStreamAsync(stream, ReadDirection.Forward, 0, cancellationToken: cancellationToken);
            total = version + 1;
        }
        else
        {
            var head = await store.GetHeadPositionAsync(cancellationToken);
            var last = Math.Min(options.ToPosition ?? head, head);
            source = ReadRangeAsync(store, options.FromPosition, last, cancellationToken);
            total = Math.Max(0, last - options.FromPosition + 1);
        }

        using var publisher = options.DryRun ? null : new KafkaPublisher(
            KafkaConnection.ForBootstrap(options.BootstrapServers!, options.EmbeddedBroker ? KafkaBrokerMode.EmbeddedFile : KafkaBrokerMode.External),
            Microsoft.Extensions.Options.Options.Create(new KafkaOptions { BootstrapServers = options.BootstrapServers, ServiceName = options.Service, ClientId = $"{options.Service}-replay" }),
            TimeProvider.System, NullLogger<KafkaPublisher>.Instance);
        var progress = new ReplayProgress(error, total, interactive);
        var pending = new List<Task>();
        long published = 0, skipped = 0;
        await foreach (var recorded in source)
        {
            var message = translator is null ? Raw(recorded, options.Topic!) : translator.Translate(recorded);
            if (message is null)
            {
                skipped++;
            }
            else
            {
                if (options.Topic is { } topic && message.Topic != topic)
                {
                    message = message with { Topic = topic };
                }
                message = OutboxMessages.Stamp(message, recorded);
                if (publisher is null)
                {
                    output.WriteLine(new JsonObject
                    {
                        ["position"] = recorded.GlobalPosition,
                        ["stream"] = recorded.StreamId,
                        ["version"] = recorded.StreamVersion,
                        ["topic"] = message.Topic,
                        ["key"] = message.Key,
                        ["type"] = message.Type,
                        ["id"] = message.EffectiveId,
                        ["bytes"] = message.Payload.Length,
                    }.ToJsonString());
                }
                else
                {
                    pending.Add(publisher.PublishAsync(message, cancellationToken));
                    if (pending.Count >= Page)
                    {
                        await Task.WhenAll(pending);
                        pending.Clear();
                    }
                }
                published++;
            }
            progress.Advance();
        }
        await Task.WhenAll(pending);
        progress.Complete();
        error.WriteLine(options.DryRun
            ? $"clearing replay: dry run: {published} message(s) would be published, {skipped} private event(s) skipped."
            : $"clearing replay: published {published} message(s) to {options.BootstrapServers}, {skipped} private event(s) skipped.");
        return 0;
    }

    private static async IAsyncEnumerable<RecordedEvent> ReadRangeAsync(IEventStore store, long from, long to,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var position = Math.Max(1, from);
        while (position <= to)
        {
            var read = 0;
            await foreach (var recorded in store.ReadAllAsync(position, (int)Math.Min(ReadPage, to - position + 1), cancellationToken: cancellationToken))
            {
                read++;
                position = recorded.GlobalPosition + 1;
                yield return recorded;
            }
            if (read == 0)
            {
                yield break;
            }
        }
    }

    /// <summary>A stored event as a message: JSON data under its stored type, with the inbox coordinates.</summary>
    private static OutboundMessage Raw(RecordedEvent recorded, string topic) => new()
    {
        Topic = topic,
        Key = recorded.StreamId,
        Type = recorded.Type,
        Payload = recorded.Data.ToArray(),
        SourceStream = recorded.StreamId,
        SourceSequence = recorded.StreamVersion,
        ContentType = "application/json",
    };

    internal sealed record DiffResult(long Count, long RebuiltRows, long LiveRows, List<JsonObject> Listed);

    /// <summary>
    /// Row-by-row differences of two row sequences in ordinal key order, as a merge (neither side is held whole):
    /// missing on either side, or different content. Rows with the same JSON text are the same; rows whose text differs
    /// are parsed and compared as JSON (so "1.0" written differently, or fields in another order, is still the same row).
    /// All differences are counted; the first <paramref name="maxListed"/> are listed with the fields that differ.
    /// </summary>
    internal static async Task<DiffResult> DiffInKeyOrderAsync(string projection, IAsyncEnumerable<ReplayRow> rebuilt,
        IAsyncEnumerable<ReplayRow> live, int maxListed, CancellationToken cancellationToken)
    {
        var listed = new List<JsonObject>();
        long count = 0, rebuiltRows = 0, liveRows = 0;
        await using var mine = InKeyOrder(projection, "rebuilt", rebuilt).GetAsyncEnumerator(cancellationToken);
        await using var theirs = InKeyOrder(projection, "live", live).GetAsyncEnumerator(cancellationToken);
        var hasMine = await mine.MoveNextAsync();
        var hasTheirs = await theirs.MoveNextAsync();
        while (hasMine || hasTheirs)
        {
            var order = !hasMine ? 1 : !hasTheirs ? -1 : string.CompareOrdinal(mine.Current.Key, theirs.Current.Key);
            if (order == 0 && SameRow(projection, mine.Current, theirs.Current))
            {
                rebuiltRows++;
                liveRows++;
                hasMine = await mine.MoveNextAsync();
                hasTheirs = await theirs.MoveNextAsync();
                continue;
            }
            count++;
            if (listed.Count < maxListed)
            {
                listed.Add(Difference(order <= 0 ? mine.Current.Key : theirs.Current.Key,
                    order <= 0 ? mine.Current.Parse(projection) : null, order >= 0 ? theirs.Current.Parse(projection) : null));
            }
            if (order <= 0)
            {
                rebuiltRows++;
                hasMine = await mine.MoveNextAsync();
            }
            if (order >= 0)
            {
                liveRows++;
                hasTheirs = await theirs.MoveNextAsync();
            }
        }
        return new DiffResult(count, rebuiltRows, liveRows, listed);
    }

    private static bool SameRow(string projection, ReplayRow a, ReplayRow b) =>
        a.Json.Span.SequenceEqual(b.Json.Span) || JsonNode.DeepEquals(a.Parse(projection), b.Parse(projection));

    /// <summary>The rows unchanged, failing loudly if a side is not strictly in key order (the merge would report nonsense).</summary>
    private static async IAsyncEnumerable<ReplayRow> InKeyOrder(string projection, string side,
        IAsyncEnumerable<ReplayRow> rows, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? previous = null;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            if (previous is not null && string.CompareOrdinal(previous, row.Key) >= 0)
            {
                throw new InvalidDataException($"{projection}: the {side} rows are not in key order ('{row.Key}' after '{previous}'); the diff needs each key once, in ordinal order.");
            }
            previous = row.Key;
            yield return row;
        }
    }

    internal static JsonObject Difference(string key, JsonNode? mine, JsonNode? theirs)
    {
        var difference = new JsonObject { ["key"] = key };
        if (mine is JsonObject a && theirs is JsonObject b)
        {
            // Name the fields that differ, so a tampered value is found without reading both rows side by side.
            difference["fields"] = new JsonArray(a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal)
                .Where(field => !JsonNode.DeepEquals(a[field], b[field])).Select(field => (JsonNode)field).ToArray());
        }
        difference["rebuilt"] = mine;
        difference["live"] = theirs;
        return difference;
    }

    private static void WriteRows(DirectoryInfo directory, IReplayProjection projection)
    {
        directory.Create();
        var path = Path.Combine(directory.FullName, $"{projection.Name}.jsonl");
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var writer = new Utf8JsonWriter(file);
        foreach (var row in projection.RowsInKeyOrder())
        {
            writer.Reset(file);
            writer.WriteStartObject();
            writer.WriteString("key", row.Key);
            writer.WritePropertyName("value");
            writer.WriteRawValue(row.Json.Span, skipInputValidation: true);
            writer.WriteEndObject();
            writer.Flush();
            file.WriteByte((byte)'\n');
        }
    }

    /// <summary>
    /// " {service} folds: a, b." for an error about a stream the module cannot show; empty when there is no module. Here,
    /// not in ReplayModules: the benchmarks compile the runner without the module table (and every host it references).
    /// </summary>
    private static string FoldedHint(IReplayModule? module) =>
        module is { FoldedStreams.Count: > 0 } ? $" {module.Service} folds: {string.Join(", ", module.FoldedStreams)}." : "";

    private static string AsOf(ReplayOptions options) =>
        options.AtVersion is { } v ? $" at or before version {v}" : options.AtTime is { } t ? $" at or before {t:O}" : "";

    private static JsonSerializerOptions Indented(ReplayOptions options) => new() { WriteIndented = !options.Json };
}
