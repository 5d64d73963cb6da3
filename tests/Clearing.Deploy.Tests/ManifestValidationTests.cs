using Clearing.Deploy.Tests.Support;

namespace Clearing.Deploy.Tests;

/// <summary>The validator itself: what it must refuse, so a passing render means something.</summary>
public sealed class ManifestValidationTests
{
    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: demo
        spec:
          selector:
            matchLabels: {app: demo}
          template:
            metadata:
              labels: {app: demo}
            spec:
              containers:
                - name: app
                  image: demo:1
        """;

    [Fact]
    public void a_well_formed_deployment_loads()
    {
        Manifests.Parse(Deployment).Workloads.ShouldHaveSingleItem().App.Image.ShouldBe("demo:1");
    }

    [Fact]
    public void a_misspelt_field_fails_the_load()
    {
        Should.Throw<Exception>(() => Manifests.Parse(Deployment.Replace("  selector:", "  replica: 2\n  selector:", StringComparison.Ordinal)))
            .ToString().ShouldContain("replica");
    }

    [Fact]
    public void a_field_at_the_wrong_level_fails_the_load()
    {
        Should.Throw<Exception>(() => Manifests.Parse(Deployment.Replace("      containers:", "      image: demo:1\n      containers:", StringComparison.Ordinal)));
    }

    [Fact]
    public void a_duplicate_key_fails_the_load()
    {
        Should.Throw<Exception>(() => Manifests.Parse(Deployment.Replace("  name: demo", "  name: demo\n  name: other", StringComparison.Ordinal)));
    }

    [Fact]
    public void an_unknown_kind_fails_the_load_naming_it()
    {
        Should.Throw<InvalidOperationException>(() => Manifests.Parse("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"))
            .Message.ShouldContain("example.com/v1 Widget");
    }

    [Fact]
    public void a_misspelt_field_of_a_custom_resource_fails_the_load()
    {
        const string topic = """
            apiVersion: kafka.strimzi.io/v1beta2
            kind: KafkaTopic
            metadata:
              name: t
            spec:
              partitions: 1
              replica: 1
            """;

        Should.Throw<Exception>(() => Manifests.Parse(topic)).ToString().ShouldContain("replica");
    }
}
