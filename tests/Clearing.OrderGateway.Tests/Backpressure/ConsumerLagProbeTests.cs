using Clearing.Messaging.Kafka;
using Clearing.OrderGateway.Application;

namespace Clearing.OrderGateway.Tests.Backpressure;

public sealed class ConsumerLagProbeTests
{
    [Fact]
    public void the_lag_probe_reaches_a_secured_cluster_with_the_same_properties_as_every_other_client()
    {
        var kafka = new KafkaOptions
        {
            BootstrapServers = "kafka-0:9093",
            Properties = { ["security.protocol"] = "SASL_SSL", ["sasl.username"] = "order-gateway" },
        };
        var connection = new KafkaConnection(Microsoft.Extensions.Options.Options.Create(kafka), Microsoft.Extensions.Logging.Abstractions.NullLogger<KafkaConnection>.Instance);

        var config = ConsumerLagMonitor.ProbeConfig("margin-fills", connection, kafka);

        config.Get("security.protocol").ShouldBe("SASL_SSL");
        config.Get("sasl.username").ShouldBe("order-gateway");
        config.BootstrapServers.ShouldBe("kafka-0:9093");
        config.GroupId.ShouldBe("margin-fills");
        config.EnableAutoCommit.ShouldBe(false);
    }
}
