using Clearing.Cli.Stack;
using Clearing.Messaging.Kafka;
using Microsoft.Extensions.Configuration;

namespace Clearing.Cli.Tests;

public sealed class LocalStackEnvironmentTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "clearing-env-" + Guid.NewGuid().ToString("N")));

    [Fact]
    public void services_of_the_local_stack_know_their_broker_is_the_embedded_one_and_take_its_consumer_settings()
    {
        var bootstrapFile = Path.Combine(_data.FullName, "kafka.bootstrap");
        File.WriteAllText(bootstrapFile, "127.0.0.1:39092\n");

        var environment = LocalStack.ServiceEnvironment("margin", _data, 25010, 26010, bootstrapFile, Path.Combine(_data.FullName, "genesis.json"));

        environment.ShouldNotContainKey("Kafka__BootstrapServers", "an address alone makes a service treat the broker as an external cluster");
        // Bound as a host binds it: "__" is the configuration section separator.
        var options = new KafkaOptions();
        new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(kv => new KeyValuePair<string, string?>(kv.Key.Replace("__", ":", StringComparison.Ordinal), kv.Value)))
            .Build()
            .GetSection("Kafka")
            .Bind(options);
        var connection = KafkaConnection.Create(options);

        connection.Mode.ShouldBe(KafkaBrokerMode.EmbeddedFile);
        connection.BootstrapServers.ShouldBe("127.0.0.1:39092");
        connection.MirrorTransactionalOffsets.ShouldBeTrue("the embedded broker keeps no transactional offsets");
        var consumer = KafkaClientConfigs.Consumer(options, connection, "margin-fills");
        consumer.FetchWaitMaxMs.ShouldBe(KafkaClientConfigs.EmbeddedFetchWaitMs);
        consumer.Get("group.protocol").ShouldBe("consumer");
    }

    public void Dispose() => _data.Delete(recursive: true);
}
