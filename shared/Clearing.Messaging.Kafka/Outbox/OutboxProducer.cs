using System.Text.Json;
using Clearing.Messaging.Kafka.Producing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clearing.Messaging.Kafka.Outbox;

/// <summary>The relay's own producer: the service's Kafka settings with the relay's client id, delivery timeout and a short linger.</summary>
public static class OutboxProducer
{
    public static KafkaPublisher Create(KafkaConnection connection, KafkaOptions kafka, OutboxRelayOptions relay, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(kafka);
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        // Copied whole (not field by field) so settings added to KafkaOptions later reach the relay too.
        var options = JsonSerializer.Deserialize<KafkaOptions>(JsonSerializer.SerializeToUtf8Bytes(kafka))
            ?? throw new InvalidOperationException("Copying the Kafka options for the outbox relay produced nothing.");
        options.ClientId = $"{kafka.EffectiveClientId}-outbox-{relay.Name}";
        // 0 = wait for ever: librdkafka then never drops an early message of a partition while delivering a later one.
        options.MessageTimeoutMs = relay.DeliveryTimeout is { } timeout ? (int)timeout.TotalMilliseconds : 0;
        // The relay waits for each page's last batch before the next page, so linger delays every page (5 ms of a
        // ~9 ms page of 500 in the benchmark); the page is produced in one burst and fills its batches anyway.
        options.LingerMs = Math.Min(options.LingerMs, 1);
        if (relay.DeliveryReportFields is { } fields)
        {
            options.Properties["dotnet.producer.delivery.report.fields"] = fields;
        }

        return new KafkaPublisher(connection, Options.Create(options), time, loggerFactory.CreateLogger<KafkaPublisher>());
    }
}
