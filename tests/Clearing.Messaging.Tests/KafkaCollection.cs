using Clearing.Testing.Kafka;

namespace Clearing.Messaging.Tests;

/// <summary>One broker for the whole suite; every test uses its own topics and groups.</summary>
[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaFixture>
{
    public const string Name = "kafka";
}
