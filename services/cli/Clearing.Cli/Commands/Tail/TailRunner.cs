using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Contracts;
using Clearing.Messaging.Kafka;
using Confluent.Kafka;
using Google.Protobuf;

namespace Clearing.Cli.Commands.Tail;

/// <summary>
/// Follows one topic across all its partitions without joining a consumer group (so it never steals partitions from a
/// service), reading committed messages only, and prints each as one readable line or one JSON object. Payloads of
/// contract topics are decoded to protobuf JSON; anything else (dead letters, unknown topics) prints as base64.
/// </summary>
internal static class TailRunner
{
    public static async Task<int> RunAsync(TailOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var partitions = PartitionsOf(options);
        if (partitions is null)
        {
            error.WriteLine($"clearing tail: topic '{options.Topic}' does not exist on {options.BootstrapServers} (or the broker did not answer).");
            return 2;
        }

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = "clearing-tail",
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            ClientId = "clearing-tail",
        }).Build();
        var start = options.FromBeginning ? Offset.Beginning : Offset.End;
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(options.Topic, p, start)));

        var printed = 0;
        var lastMessage = DateTimeOffset.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Consume blocks in native code: a short timeout keeps Ctrl-C and --idle-exit responsive.
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null || result.IsPartitionEOF)
            {
                if (options.IdleExit is { } idle && DateTimeOffset.UtcNow - lastMessage > idle)
                {
                    break;
                }
                await Task.Yield();
                continue;
            }
            lastMessage = DateTimeOffset.UtcNow;
            var key = result.Message.Key is null ? null : Encoding.UTF8.GetString(result.Message.Key);
            if (options.Key is not null && key != options.Key)
            {
                continue;
            }
            output.WriteLine(options.Json ? JsonLine(result, key) : ReadableLine(result, key));
            printed++;
            if (options.Count > 0 && printed >= options.Count)
            {
                break;
            }
        }
        output.Flush();
        return 0;
    }

    private static List<int>? PartitionsOf(TailOptions options)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = options.BootstrapServers }).Build();
        // All-topics metadata: asking for one topic by name would auto-create it on brokers that allow that.
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        var topic = metadata.Topics.SingleOrDefault(t => t.Topic == options.Topic);
        return topic is null || topic.Error.IsError || topic.Partitions.Count == 0
            ? null
            : topic.Partitions.Select(p => p.PartitionId).Order().ToList();
    }

    private static string ReadableLine(ConsumeResult<byte[]?, byte[]?> result, string? key)
    {
        var headers = Headers(result);
        var time = headers.GetValueOrDefault(KafkaHeaderNames.Time) ?? result.Message.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        var type = headers.GetValueOrDefault(KafkaHeaderNames.Type) ?? "-";
        var payload = Payload(result.Topic, result.Message.Value);
        var reason = headers.TryGetValue(KafkaHeaderNames.DeadLetterReason, out var why) ? $" reason=\"{why}\"" : "";
        return $"{time} {result.Topic}[{result.Partition.Value}@{result.Offset.Value}] key={key ?? "-"} type={type}{reason} {payload.ToJsonString()}";
    }

    private static string JsonLine(ConsumeResult<byte[]?, byte[]?> result, string? key)
    {
        var headers = new JsonObject();
        foreach (var (name, value) in Headers(result))
        {
            headers[name] = value;
        }
        var line = new JsonObject
        {
            ["topic"] = result.Topic,
            ["partition"] = result.Partition.Value,
            ["offset"] = result.Offset.Value,
            ["key"] = key,
            ["headers"] = headers,
            ["payload"] = Payload(result.Topic, result.Message.Value),
        };
        return line.ToJsonString();
    }

    private static JsonNode Payload(string topic, byte[]? value)
    {
        if (value is null)
        {
            return JsonValue.Create("(tombstone)");
        }
        if (TopicContracts.TryGetDescriptor(topic, out _))
        {
            try
            {
                return JsonNode.Parse(TopicContracts.ToJson(topic, value))!;
            }
            catch (InvalidProtocolBufferException e)
            {
                // Printed, not hidden: a message that does not parse as its topic's contract is exactly what ops look for.
                return new JsonObject { ["undecodable"] = e.Message, ["base64"] = Convert.ToBase64String(value) };
            }
        }
        return new JsonObject { ["base64"] = Convert.ToBase64String(value) };
    }

    private static SortedDictionary<string, string> Headers(ConsumeResult<byte[]?, byte[]?> result)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in result.Message.Headers ?? [])
        {
            headers[header.Key] = Encoding.UTF8.GetString(header.GetValueBytes());
        }
        return headers;
    }
}
