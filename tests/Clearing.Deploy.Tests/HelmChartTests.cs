using Clearing.Deploy.Tests.Support;
using k8s.Models;

namespace Clearing.Deploy.Tests;

/// <summary>helm lint and helm template over the chart with each value file it ships.</summary>
public sealed class HelmChartTests
{
    private static readonly string[] Services = ["funding", "governance", "liquidation", "margin", "matching", "oracle-ingest", "order-gateway", "settlement", "vault"];

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void helm_lint_passes_in_strict_mode(string valueFile)
    {
        var result = Tools.Run(Tools.Helm, ["lint", Repository.Chart, "--strict", .. Helm.ValuesArguments(valueFile)]);

        result.ExitCode.ShouldBe(0, result.Stdout + result.Stderr);
        result.Stdout.ShouldContain("0 chart(s) failed");
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void every_rendered_object_loads_into_a_strict_typed_model(string valueFile)
    {
        var manifests = Helm.LoadWith(valueFile);

        manifests.Objects.Count.ShouldBeGreaterThan(30);
        manifests.Objects.Select(o => $"{o.Kind}/{o.Metadata.Name}").ShouldBeUnique();
    }

    [Fact]
    public void every_optional_template_renders_into_strict_typed_models_when_switched_on()
    {
        var manifests = Helm.Load(
            "--set", "metrics.serviceMonitor.enabled=true",
            "--set", "metrics.prometheusRule.enabled=true",
            "--set", "replay.enabled=true",
            "--set", "clearing.grpcTlsSecret=clearing-grpc-tls",
            "--set", "clearing.auth.clientCaSecret.name=clearing-client-ca",
            "--set", "networkPolicy.egress.enabled=true",
            "--set", "services.matching.persistence.enabled=true");

        manifests.OfType<ServiceMonitor>().ShouldHaveSingleItem();
        manifests.OfType<PrometheusRule>().ShouldHaveSingleItem();
        manifests.OfType<V1Job>().ShouldContain(j => j.Metadata.Name.StartsWith("clearing-replay-", StringComparison.Ordinal));
        manifests.Single<V1StatefulSet>("clearing-matching").Spec.VolumeClaimTemplates.ShouldHaveSingleItem();
        manifests.Single<V1StatefulSet>("clearing-vault").Spec.VolumeClaimTemplates.ShouldBeNull();
        manifests.ServiceWorkloads.Count.ShouldBe(9);
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void the_nine_services_each_get_a_workload_service_account_service_and_network_policy(string valueFile)
    {
        var manifests = Helm.LoadWith(valueFile);

        manifests.ServiceWorkloads.Select(w => w.Service).Order().ShouldBe(Services);
        foreach (var service in Services)
        {
            var name = $"clearing-{service}";
            manifests.Single<V1Service>(name).Spec.Ports.Select(p => (p.Name, p.Port)).ShouldBe([("grpc", 7100), ("http", 8100)]);
            manifests.Single<V1ServiceAccount>(name).AutomountServiceAccountToken.ShouldBe(false);
            manifests.Single<V1NetworkPolicy>(name).Spec.PodSelector.MatchLabels["app.kubernetes.io/name"].ShouldBe(service);
        }
    }

    [Fact]
    public void the_chart_renders_under_another_release_name_without_clashing_object_names()
    {
        var other = Tools.Run(Tools.Helm, ["template", "risk-b", Repository.Chart, "--namespace", "team-b"]).EnsureSuccess();
        var manifests = Manifests.Parse(other);

        manifests.ServiceWorkloads.ShouldAllBe(w => w.Name.StartsWith("risk-b-clearing-", StringComparison.Ordinal));
        manifests.OfType<V1NetworkPolicy>().ShouldAllBe(p => p.Spec.Ingress.All(rule => rule.FromProperty == null
            || rule.FromProperty.All(peer => peer.PodSelector == null || peer.PodSelector.MatchLabels == null
                || !peer.PodSelector.MatchLabels.ContainsKey("app.kubernetes.io/instance") || peer.PodSelector.MatchLabels["app.kubernetes.io/instance"] == "risk-b")));
    }

    public static TheoryData<string> ValueFiles => Helm.ValueFiles;
}
