using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Funding.Application;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Funding.Integration;

/// <summary>
/// The two inputs of funding: matching events (the book) and oracle prices (index and marks). Both feed in-memory
/// views that are rebuilt from the start of their topics on every start: each process reads under a consumer group
/// of its own, so committed offsets of an earlier run never skip the orders still resting in the book. Repeats are
/// dropped by the views (per-market / per-asset sequences), so at-least-once delivery is enough.
/// </summary>
public static class FundingInputs
{
    public static IServiceCollection AddFundingInputs(this IServiceCollection services)
    {
        var instance = Guid.NewGuid().ToString("N")[..12];
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<MatchingEvent>
            {
                Name = "funding-book", Urgency = KafkaConsumerUrgency.Background,
                Topics = [Topics.MatchingEvents],
                Deserializer = new ProtobufPayloadDeserializer<MatchingEvent>(),
                GroupId = $"funding-book-{instance}",
            },
            sp =>
            {
                var books = sp.GetRequiredService<MarketBooks>();
                return (message, _) =>
                {
                    books.Apply(message.Payload);
                    return Task.CompletedTask;
                };
            });
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<PriceUpdate>
            {
                Name = "funding-prices", Urgency = KafkaConsumerUrgency.Background,
                Topics = [Topics.OraclePrices],
                Deserializer = new ProtobufPayloadDeserializer<PriceUpdate>(),
                GroupId = $"funding-prices-{instance}",
            },
            sp =>
            {
                var prices = sp.GetRequiredService<IndexPrices>();
                return (message, _) =>
                {
                    prices.Apply(message.Payload);
                    return Task.CompletedTask;
                };
            });
        return services;
    }
}
