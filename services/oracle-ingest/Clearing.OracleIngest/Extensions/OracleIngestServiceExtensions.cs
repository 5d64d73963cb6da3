using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Dapr.Hosting;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.OracleIngest.Application;
using Clearing.OracleIngest.Feeds;
using Clearing.OracleIngest.Integration;
using Clearing.OracleIngest.Options;
using Clearing.Parameters.Consuming;
using Clearing.Primitives.Markets;
using Clearing.ServiceDefaults.Configuration;
using Microsoft.Extensions.Options;

namespace Clearing.OracleIngest.Extensions;

public static class OracleIngestServiceExtensions
{
    /// <summary>
    /// The oracle-ingest service: its name and default ports (gRPC 7104, health/metrics 8104), the event store (SQLite under
    /// the data directory unless EventStore:Postgres is set), Kafka (embedded broker unless Kafka:BootstrapServers
    /// is set) and Dapr (embedded state store unless Dapr:Enabled); each adds its readiness check. Then the publisher
    /// registry and per-asset oracles ("OracleIngest" section), the book tops read from matching events (for marks),
    /// the aggregation timer, the feed adapters and the outbox relay publishing clearing.oracle.prices.v1.
    /// </summary>
    public static IHostApplicationBuilder AddOracleIngestService(this IHostApplicationBuilder builder)
    {
        builder.AddServiceIdentity("oracle-ingest", grpcPort: 7104, httpPort: 8104);
        builder.Services.AddClearingEventStore(builder.Configuration);
        builder.Services.AddClearingKafka(builder.Configuration);
        builder.Services.AddClearingDapr(builder.Configuration);
        builder.Services.AddMarketCatalog(builder.Configuration);
        builder.AddValidatedOptions<OracleIngestOptions>(OracleIngestOptions.SectionName);

        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<OracleIngestOptions>>().Value.BuildRegistry());
        builder.Services.AddSingleton(sp => new OracleAssets(
            sp.GetRequiredService<IOptions<OracleIngestOptions>>().Value.BuildAssets(sp.GetRequiredService<MarketCatalog>()),
            sp.GetRequiredService<IEventStore>()));
        builder.Services.AddSingleton<BookTops>();
        // Governance's "oracle" set (publishers, quorum, MAD k, breaker band, staleness) over the configuration, from its effective time.
        builder.Services.AddGovernanceParameters();
        builder.Services.AddSingleton<OracleParametersGateway>();
        builder.Services.AddSingleton<OracleIngestion>();
        builder.Services.AddSingleton<CircuitBreakerResets>();
        builder.Services.AddHostedService<AggregationTimerService>();

        builder.Services.AddSingleton<IEnumerable<IPriceFeedAdapter>>(sp => sp.GetRequiredService<IOptions<OracleIngestOptions>>().Value.ReplayFeeds
            .Select(feed => (IPriceFeedAdapter)new RecordedFeedAdapter(feed, sp.GetRequiredService<TimeProvider>()))
            .ToList());
        builder.Services.AddHostedService<FeedAdapterService>();

        // The book tops live in memory, so each process reads matching events from the start under its own group.
        builder.Services.AddKafkaConsumer(
            new KafkaConsumerDefinition<MatchingEvent>
            {
                Name = "oracle-book-tops", Urgency = KafkaConsumerUrgency.Background,
                Topics = [Topics.MatchingEvents],
                Deserializer = new ProtobufPayloadDeserializer<MatchingEvent>(),
                GroupId = $"oracle-ingest-book-tops-{Guid.NewGuid():N}",
            },
            sp =>
            {
                var books = sp.GetRequiredService<BookTops>();
                return (message, _) =>
                {
                    books.Apply(message.Payload);
                    return Task.CompletedTask;
                };
            });
        builder.Services.AddOutboxRelay<OraclePricesTranslator>(new OutboxRelayOptions { Name = "oracle-ingest" });
        return builder;
    }
}
