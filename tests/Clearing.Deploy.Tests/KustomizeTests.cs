using Clearing.Deploy.Tests.Support;
using k8s.Models;

namespace Clearing.Deploy.Tests;

/// <summary>k8s/: the kustomize base (rendered from the chart), the overlays and the dev infrastructure.</summary>
public sealed class KustomizeTests
{
    private static readonly string[] Kustomizations = ["k8s/base", "k8s/kafka", "k8s/dapr", "k8s/dev-infra", "k8s/overlays/dev", "k8s/overlays/prod"];

    [Theory]
    [MemberData(nameof(Directories))]
    public void every_kustomization_builds_into_strict_typed_models(string directory)
    {
        var manifests = Build(directory);

        manifests.Objects.ShouldNotBeEmpty();
        manifests.Objects.Select(o => $"{o.Kind}/{o.Metadata.Name}").ShouldBeUnique();
    }

    [Fact]
    public void the_base_and_strimzi_resources_equal_a_fresh_render_of_the_chart()
    {
        var output = Path.Combine(Path.GetTempPath(), $"clearing-render-{Guid.NewGuid():N}");
        try
        {
            Tools.Run("bash", [Repository.Path("k8s/render.sh"), output]).EnsureSuccess();

            var rendered = Directory.GetFiles(output, "*.yaml", SearchOption.AllDirectories);
            rendered.Length.ShouldBe(10);
            foreach (var file in rendered)
            {
                var relative = Path.GetRelativePath(output, file).Replace(Path.DirectorySeparatorChar, '/');
                Repository.Read(relative).ShouldBe(File.ReadAllText(file), $"{relative} is stale: run k8s/render.sh and commit the result");
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void the_prod_overlay_installs_what_the_chart_installs_with_its_defaults()
    {
        var overlay = Build("k8s/overlays/prod").Objects.Select(o => $"{o.Kind}/{o.Metadata.Name}").ToHashSet(StringComparer.Ordinal);
        var chart = Helm.Load("--set", "tests.enabled=false").Objects.Select(o => $"{o.Kind}/{o.Metadata.Name}").ToHashSet(StringComparer.Ordinal);

        overlay.Except(chart).ShouldBe(["Namespace/clearing"]);
        chart.Except(overlay).ShouldBeEmpty();
    }

    [Fact]
    public void the_prod_overlay_pins_registry_images_and_puts_everything_in_the_clearing_namespace()
    {
        var manifests = Build("k8s/overlays/prod");

        manifests.ServiceWorkloads.ShouldAllBe(w => w.App.Image == $"registry.example.com/clearing/clearing-{w.Service}:0.1.0");
        manifests.Objects.Where(o => o.Kind != "Namespace").ShouldAllBe(o => o.Metadata.NamespaceProperty == "clearing");
        manifests.ServiceWorkloads.Single(w => w.Service == "matching").Replicas.ShouldBe(1);
        manifests.ServiceWorkloads.Single(w => w.Service == "governance").Replicas.ShouldBe(1);
        manifests.ServiceWorkloads.Single(w => w.Service == "vault").Replicas.ShouldBe(1);
        manifests.Single<V2HorizontalPodAutoscaler>("clearing-order-gateway").Spec.MinReplicas.ShouldBe(3);
    }

    [Fact]
    public void the_dev_overlay_runs_plaintext_kafka_without_dapr_next_to_the_dev_infrastructure()
    {
        var manifests = Build("k8s/overlays/dev");

        manifests.Single<V1StatefulSet>("kafka");
        manifests.Single<V1StatefulSet>("postgres");
        manifests.Single<V1Job>("clearing-kafka-topics").Metadata.Annotations.ShouldBeNull();
        manifests.OfType<V2HorizontalPodAutoscaler>().ShouldBeEmpty();
        manifests.OfType<V1PodDisruptionBudget>().ShouldBeEmpty();
        manifests.ServiceWorkloads.Count.ShouldBe(9);
        foreach (var workload in manifests.ServiceWorkloads)
        {
            workload.Replicas.ShouldBe(1);
            workload.App.Image.ShouldBe($"clearing-{workload.Service}:dev");
            workload.Env("Kafka__BootstrapServers").ShouldBe("kafka:9092");
            workload.Env("Kafka__Properties__security.protocol").ShouldBe("PLAINTEXT");
            workload.App.Env.ShouldNotContain(e => e.Name.StartsWith("Kafka__Properties__sasl", StringComparison.Ordinal));
            workload.Template.Spec.Volumes.ShouldNotContain(v => v.Name == "kafka-ca");
            workload.Annotations["dapr.io/enabled"].ShouldBe("false");
            workload.Env("Dapr__Enabled").ShouldBe("false");
            workload.Env("DOTNET_ENVIRONMENT").ShouldBe("Development");
        }
    }

    [Fact]
    public void the_dev_postgres_secret_has_the_keys_the_services_and_dapr_read()
    {
        var secret = Build("k8s/dev-infra").Single<V1Secret>("clearing-postgres");

        secret.StringData.Keys.ShouldContain("event-store-connection-string");
        secret.StringData.Keys.ShouldContain("dapr-state-connection-string");
        secret.StringData["event-store-connection-string"].ShouldContain("Host=postgres");
    }

    public static TheoryData<string> Directories => new(Kustomizations);

    private static Manifests Build(string directory) =>
        Manifests.Parse(Tools.Run(Tools.Kubectl, ["kustomize", Repository.Path(directory)]).EnsureSuccess());
}
