using Clearing.Deploy.Tests.Support;

namespace Clearing.Deploy.Tests;

/// <summary>values.schema.json stops bad values at install with a message naming the value.</summary>
public sealed class ValuesSchemaTests
{
    [Fact]
    public void replicas_given_as_a_word_fails_helm_template_with_the_schema_message()
    {
        var values = WriteValues("""
            services:
              matching:
                replicas: "two"
            """);

        var result = Helm.TryTemplate("--values", values);

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("values don't meet the specifications of the schema");
        result.Stderr.ShouldContain("at '/services/matching/replicas': got string, want integer");
    }

    [Theory]
    [InlineData("serviceDefaults.kind=ReplicaSet", "/serviceDefaults/kind")]
    [InlineData("clearing.grpcPort=70000", "/clearing/grpcPort")]
    [InlineData("clearing.shutdownTimeoutSeconds=0", "/clearing/shutdownTimeoutSeconds")]
    [InlineData("kafka.topics.orderCommands.partitions=0", "/kafka/topics/orderCommands/partitions")]
    [InlineData("dapr.components.stateStore.type=mongodb", "/dapr/components/stateStore/type")]
    [InlineData("services.margin.autoscaling.targetCPUUtilizationPercentage=150", "/services/margin/autoscaling/targetCPUUtilizationPercentage")]
    [InlineData("image.pullPolicy=Sometimes", "/image/pullPolicy")]
    public void an_out_of_range_value_is_rejected_naming_its_path(string setting, string path)
    {
        var result = Helm.TryTemplate("--set", setting);

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain($"at '{path}'");
    }

    [Theory]
    [InlineData("services.margin.replicaCount=2", "additional properties 'replicaCount' not allowed")]
    [InlineData("kafak.bootstrapServers=x:1", "additional properties 'kafak' not allowed")]
    public void a_misspelt_value_is_rejected(string setting, string message)
    {
        var result = Helm.TryTemplate("--set", setting);

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain(message);
    }

    [Theory]
    [InlineData("services.vault.calls[0].service=order-gateway", "at '/services/vault/calls/0': missing property 'configKey'")]
    [InlineData("services.vault.secretConfig.Vault:Quoting:PrivateKey.optional=maybe", "at '/services/vault/secretConfig/Vault:Quoting:PrivateKey/optional': got string, want boolean")]
    [InlineData("services.vault.config.Vault:Quoting:GatewayCaCertificatePath=ca.crt", "at '/services/vault/config/Vault:Quoting:GatewayCaCertificatePath': 'ca.crt' does not match pattern")]
    public void a_malformed_grpc_call_or_secret_reference_is_rejected_naming_its_path(string setting, string message)
    {
        var result = Helm.TryTemplate("--set", setting);

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain(message);
    }

    [Fact]
    public void a_service_listing_an_unknown_topic_key_fails_naming_the_service_and_the_key()
    {
        var result = Helm.TryTemplate("--set", "services.margin.consumes[0]=fills");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("services.margin lists topic key \"fills\"");
    }

    [Fact]
    public void an_autoscaler_whose_minimum_exceeds_its_maximum_fails()
    {
        var result = Helm.TryTemplate("--set", "services.order-gateway.autoscaling.minReplicas=5", "--set", "services.order-gateway.autoscaling.maxReplicas=3");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("services.order-gateway.autoscaling.minReplicas (5) must not exceed maxReplicas (3)");
    }

    private static string WriteValues(string yaml)
    {
        var path = Path.Combine(Path.GetTempPath(), $"clearing-values-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
