using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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
            error.WriteLine($"clearing replay: stream '{stream}' has no events{AsOf(options)}.");
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
        var state = module?.Fold(stream, events);
        if (state is not null)
        {
            result["state"] = state;
        }
        else
        {
            // No fold for this stream: the events themselves are the most faithful state there is.
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
        var projections = module?.CreateProjections() ?? [];
        var head = await store.GetHeadPositionAsync(cancellationToken);
        var last = Math.Min(options.ToPosition ?? head, head);
        var progress = new ReplayProgress(error, Math.Max(0, last - options.FromPosition + 1), interactive);
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);

        await foreach (var recorded in ReadRangeAsync(store, options.FromPosition, last, cancellationToken))
        {
            foreach (var projection in projections)
            {
                projection.Apply(recorded);
            }
            byType[recorded.Type] = byType.GetValueOrDefault(recorded.Type) + 1;
            progress.Advance();
        }
        progress.Complete();

        var report = new JsonObject
        {
            ["service"] = options.Service,
            ["events"] = progress.Done,
            ["seconds"] = Math.Round(progress.Elapsed.TotalSeconds, 3),
            ["eventsPerSecond"] = Math.Round(progress.EventsPerSecond),
            ["types"] = new JsonObject(byType.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        var differs = false;
        var results = new JsonArray();
        foreach (var projection in projections)
        {
            var live = await projection.ReadLiveAsync(new ReplaySources(options.ServiceDataDirectory, store), cancellationToken);
            var diff = live is null ? null : Diff(projection.Rows, live);
            differs |= diff is { Count: > 0 };
            results.Add(new JsonObject
            {
                ["projection"] = projection.Name,
                ["rows"] = projection.Rows.Count,
                ["live"] = live is null ? null : live.Count,
                ["differences"] = diff is null ? null : new JsonArray(diff.Select(d => (JsonNode)d).ToArray()),
            });
            if (options.Output is { } directory)
            {
                WriteRows(directory, projection);
            }
        }
        report["projections"] = results;
        if (module is null)
        {
            report["note"] = $"no replay module for '{options.Service}': events were read and counted, no read model was rebuilt";
        }
        output.WriteLine(report.ToJsonString(Indented(options)));
        return differs ? Differs : 0;
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
            await foreach (var recorded in store.ReadAllAsync(position, (int)Math.Min(Page, to - position + 1), cancellationToken: cancellationToken))
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

    /// <summary>Row-by-row differences: missing on either side, or different content (compared as canonical JSON).</summary>
    internal static List<JsonObject> Diff(IReadOnlyDictionary<string, JsonNode> rebuilt, IReadOnlyDictionary<string, JsonNode> live)
    {
        var differences = new List<JsonObject>();
        foreach (var key in rebuilt.Keys.Union(live.Keys).Order(StringComparer.Ordinal))
        {
            var hasRebuilt = rebuilt.TryGetValue(key, out var mine);
            var hasLive = live.TryGetValue(key, out var theirs);
            if (hasRebuilt && hasLive && JsonNode.DeepEquals(mine, theirs))
            {
                continue;
            }
            var difference = new JsonObject { ["key"] = key };
            if (mine is JsonObject a && theirs is JsonObject b)
            {
                // Name the fields that differ, so a tampered value is found without reading both rows side by side.
                difference["fields"] = new JsonArray(a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal)
                    .Where(field => !JsonNode.DeepEquals(a[field], b[field])).Select(field => (JsonNode)field).ToArray());
            }
            difference["rebuilt"] = mine?.DeepClone();
            difference["live"] = theirs?.DeepClone();
            differences.Add(difference);
        }
        return differences;
    }

    private static void WriteRows(DirectoryInfo directory, IReplayProjection projection)
    {
        directory.Create();
        var path = Path.Combine(directory.FullName, $"{projection.Name}.jsonl");
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        foreach (var (key, row) in projection.Rows.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteLine(new JsonObject { ["key"] = key, ["value"] = row.DeepClone() }.ToJsonString());
        }
    }

    private static string AsOf(ReplayOptions options) =>
        options.AtVersion is { } v ? $" at or before version {v}" : options.AtTime is { } t ? $" at or before {t:O}" : "";

    private static JsonSerializerOptions Indented(ReplayOptions options) => new() { WriteIndented = !options.Json };
}
