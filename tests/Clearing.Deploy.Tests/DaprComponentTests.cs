using System.Text.Json.Nodes;
using Clearing.Deploy.Tests.Support;

namespace Clearing.Deploy.Tests;

/// <summary>The chart's Dapr components are k8s/dapr/*.yaml rendered for a release; these keep the two equal.</summary>
public sealed class DaprComponentTests
{
    [Theory]
    [InlineData("Component", "pubsub", "k8s/dapr/pubsub.yaml")]
    [InlineData("Component", "statestore", "k8s/dapr/statestore.yaml")]
    [InlineData("Component", "secretstore", "k8s/dapr/secretstore.yaml")]
    [InlineData("Resiliency", "clearing", "k8s/dapr/resiliency.yaml")]
    [InlineData("Configuration", "clearing", "k8s/dapr/configuration.yaml")]
    public void the_chart_renders_the_k8s_dapr_file_for_release_clearing(string kind, string name, string file)
    {
        var rendered = Yaml.Documents(Helm.Template()).Single(d => (string?)d["kind"] == kind && (string?)d["metadata"]!["name"] == name);
        var committed = Yaml.Document(Repository.Read(file));

        Comparable(rendered).ShouldBe(Comparable(committed));
    }

    [Fact]
    public void every_k8s_dapr_file_loads_into_a_strict_model_and_is_listed_by_its_kustomization()
    {
        var files = Directory.GetFiles(Repository.Path("k8s/dapr"), "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").ToList();
        var kustomization = Yaml.Document(Repository.Read("k8s/dapr/kustomization.yaml"));

        kustomization["resources"]!.AsArray().Select(r => (string)r!).Order().ShouldBe(files.Order()!);
        foreach (var file in files)
        {
            Manifests.Parse(Repository.Read($"k8s/dapr/{file}")).Objects.ShouldHaveSingleItem();
        }
    }

    [Fact]
    public void the_sidecars_consumer_group_differs_from_every_services_own_group()
    {
        var pubsub = Helm.Load().Single<DaprComponent>("pubsub");
        var group = pubsub.Spec.Metadata.Single(m => m.Name == "consumerGroup").Value;

        group.ShouldBe("dapr-{appID}");
    }

    [Fact]
    public void a_redis_state_store_can_replace_postgresql()
    {
        var manifests = Helm.Load(
            "--set", "dapr.components.stateStore.type=redis",
            "--set", "dapr.components.stateStore.redis.host=redis-master:6379",
            "--set", "dapr.components.stateStore.redis.passwordSecret.name=clearing-redis");

        var store = manifests.Single<DaprComponent>("statestore");
        store.Spec.Type.ShouldBe("state.redis");
        store.Spec.Metadata.Single(m => m.Name == "redisHost").Value.ShouldBe("redis-master:6379");
        store.Spec.Metadata.Single(m => m.Name == "redisPassword").SecretKeyRef!.Name.ShouldBe("clearing-redis");
        manifests.Single<k8s.Models.V1Role>("clearing-dapr-secrets").Rules.Single().ResourceNames.ShouldContain("clearing-redis");
    }

    [Fact]
    public void a_redis_state_store_without_a_host_fails_naming_the_value()
    {
        var result = Helm.TryTemplate("--set", "dapr.components.stateStore.type=redis");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("dapr.components.stateStore.redis.host is required");
    }

    [Fact]
    public void the_sidecars_may_read_exactly_the_secrets_the_components_name()
    {
        var role = Helm.Load().Single<k8s.Models.V1Role>("clearing-dapr-secrets");

        var rule = role.Rules.ShouldHaveSingleItem();
        rule.Verbs.ShouldBe(["get"]);
        rule.Resources.ShouldBe(["secrets"]);
        rule.ResourceNames.ShouldBe(["clearing-dapr", "clearing-kafka-cluster-ca-cert", "clearing-postgres"]);
    }

    // Labels and namespace come from the release, and a component's metadata order carries no meaning.
    private static string Comparable(JsonNode document)
    {
        var copy = document.DeepClone().AsObject();
        copy["metadata"]!.AsObject().Remove("labels");
        copy["metadata"]!.AsObject().Remove("namespace");
        if (copy["spec"]?["metadata"] is JsonArray items)
        {
            var sorted = items.Select(i => i!.DeepClone()).OrderBy(i => (string?)i["name"], StringComparer.Ordinal).ToArray();
            copy["spec"]!["metadata"] = new JsonArray(sorted);
        }

        if (copy["scopes"] is JsonArray scopes)
        {
            copy["scopes"] = new JsonArray(scopes.Select(s => (JsonNode?)JsonValue.Create((string)s!)).OrderBy(s => (string)s!, StringComparer.Ordinal).ToArray());
        }

        return copy.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
