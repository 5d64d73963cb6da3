using Clearing.Matching.Integration;
using Clearing.Messaging.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Clearing.Matching.Tests.Host;

public sealed class PublishedSequencesTests
{
    [Fact]
    public void the_recovery_admin_client_carries_the_clusters_security_properties()
    {
        var options = new KafkaOptions
        {
            BootstrapServers = "kafka-0.kafka:9093",
            Properties = { ["security.protocol"] = "SASL_SSL", ["sasl.mechanism"] = "SCRAM-SHA-512", ["sasl.username"] = "matching" },
        };
        var connection = new KafkaConnection(Options.Create(options), NullLogger<KafkaConnection>.Instance);

        var config = PublishedSequences.AdminConfig(connection, options);

        config.BootstrapServers.ShouldBe("kafka-0.kafka:9093");
        config.Get("security.protocol").ShouldBe("SASL_SSL");
        config.Get("sasl.mechanism").ShouldBe("SCRAM-SHA-512");
        config.Get("sasl.username").ShouldBe("matching");
    }
}
