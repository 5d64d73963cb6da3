using Clearing.Primitives.Inbox;
using System.Text.Json;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Inbox;
using Clearing.Messaging.Kafka.Producing;
using Microsoft.Extensions.Logging;

namespace Clearing.Messaging.Tests.Outbox;

/// <summary>A consuming service's state per account: balance, number of credits and the inbox, all in one aggregate.</summary>
public sealed record Ledger(decimal Balance, int Credits, InboxPosition Inbox)
{
    public static readonly Ledger Initial = new(0m, 0, InboxPosition.Empty);

    public static Ledger Evolve(Ledger state, object @event) => @event switch
    {
        CreditApplied c => state with
        {
            Balance = state.Balance + c.Amount,
            Credits = state.Credits + 1,
            Inbox = state.Inbox.Record(c.SourceStream, c.SourceSequence),
        },
        _ => throw new InvalidOperationException($"Ledger cannot apply {@event.GetType().Name}."),
    };
}

[EventType("test.ledger.credit-applied.v1")]
public sealed record CreditApplied(string SourceStream, long SourceSequence, decimal Amount);

/// <summary>
/// The consuming side of the fault tests: a Kafka consumer that applies each credit to the account's ledger aggregate
/// in the consumer's own store, once, through <see cref="AggregateInbox{TState}"/>.
/// </summary>
internal sealed class LedgerConsumer : IAsyncDisposable
{
    public static readonly EventSerializer Serializer = new(
        new EventTypeMap().Register<CreditApplied>(),
        new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static readonly AggregateDefinition<Ledger> Definition = new("ledger", Ledger.Initial, Ledger.Evolve) { SnapshotEvery = 4 };

    private readonly KafkaConsumerService<CreditContract> _service;
    private readonly KafkaPublisher _deadLetters;

    public LedgerConsumer(IEventStore store, string bootstrap, string topic, ILoggerFactory logs)
    {
        Repository = new AggregateRepository<Ledger>(store, Serializer, Definition);
        Inbox = new AggregateInbox<Ledger>(Repository, Definition, s => s.Inbox, "ledger-credits");
        var connection = KafkaConnection.ForBootstrap(bootstrap, KafkaBrokerMode.EmbeddedInProcess);
        var options = OutboxTestSupport.Kafka(bootstrap, "ledger-consumer");
        _deadLetters = new KafkaPublisher(connection, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, logs.CreateLogger<KafkaPublisher>());
        _service = new KafkaConsumerService<CreditContract>(
            new KafkaConsumerDefinition<CreditContract>
            {
                Name = "ledger-credits",
                Topics = [topic],
                GroupId = $"ledger-{Guid.NewGuid():N}",
                Deserializer = new DelegatePayloadDeserializer<CreditContract>((bytes, _) =>
                    JsonSerializer.Deserialize<CreditContract>(bytes) ?? throw new JsonException("payload is JSON null")),
            },
            (message, ct) => Inbox.ExecuteAsync(
                message.Payload.Account,
                message.Metadata,
                _ => [new CreditApplied(message.Metadata.SourceStream, message.Metadata.SourceSequence, message.Payload.Amount)],
                ct),
            connection,
            options,
            _deadLetters,
            TimeProvider.System,
            logs);
    }

    public AggregateRepository<Ledger> Repository { get; }

    public AggregateInbox<Ledger> Inbox { get; }

    public long DeadLettered => _service.DeadLetteredCount;

    public Task StartAsync() => _service.StartAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        _service.Dispose();
        _deadLetters.Dispose();
    }
}
