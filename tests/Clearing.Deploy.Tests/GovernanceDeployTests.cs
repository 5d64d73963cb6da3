using Clearing.Deploy.Tests.Support;
using k8s.Models;

namespace Clearing.Deploy.Tests;

/// <summary>
/// Governance in the chart and the kustomize overlays: one replica reading its genesis from a ConfigMap, and the chart's
/// configuration keys for secrets (Settlement:Epochs:SaltSecret) and funding.
/// </summary>
public sealed class GovernanceDeployTests
{
    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void governance_runs_one_replica_without_autoscaling_and_reads_its_genesis_from_a_configmap(string valueFile)
    {
        var manifests = Helm.LoadWith(valueFile);
        var governance = manifests.ServiceWorkloads.Single(w => w.Service == "governance");

        governance.Kind.ShouldBe("Deployment");
        governance.Replicas.ShouldBe(1);
        manifests.OfType<V2HorizontalPodAutoscaler>().ShouldNotContain(h => h.Metadata.Name == "clearing-governance");
        governance.Env("Governance__GenesisFile").ShouldBe("/etc/clearing/governance/genesis.json");
        governance.App.VolumeMounts.Single(m => m.Name == "file-genesis").MountPath.ShouldBe("/etc/clearing/governance");
        var volume = governance.Template.Spec.Volumes.Single(v => v.Name == "file-genesis");
        volume.ConfigMap.Name.ShouldBe("clearing-governance-genesis");
        volume.ConfigMap.Items.Single().Key.ShouldBe("genesis.json");
    }

    [Fact]
    public void the_dev_values_put_the_development_genesis_in_a_configmap_the_chart_makes()
    {
        var configMap = Helm.LoadWith("dev").Single<V1ConfigMap>("clearing-governance-genesis");

        configMap.Data["genesis.json"].Trim().ShouldBe(Repository.Read("services/governance/Clearing.Governance/Genesis/genesis.development.json").Trim());
    }

    [Fact]
    public void the_production_chart_expects_an_operator_made_genesis_configmap_and_makes_none()
    {
        Helm.LoadWith("prod").OfType<V1ConfigMap>().ShouldNotContain(c => c.Metadata.Name == "clearing-governance-genesis");
    }

    [Fact]
    public void the_copies_of_the_development_genesis_equal_the_services_own()
    {
        var original = Repository.Read("services/governance/Clearing.Governance/Genesis/genesis.development.json");

        Repository.Read("deploy/helm/clearing/files/genesis.development.json").ShouldBe(original);
        Repository.Read("k8s/overlays/dev/genesis.development.json").ShouldBe(original);
    }

    [Fact]
    public void a_configmap_file_without_a_configmap_or_a_chart_file_fails_the_render_naming_the_entry()
    {
        var result = Helm.TryTemplate(
            "--set", "services.governance.configMapFiles[0].name=genesis",
            "--set", "services.governance.configMapFiles[0].key=genesis.json",
            "--set", "services.governance.configMapFiles[0].mountPath=/etc/clearing/governance");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("services.governance.configMapFiles[genesis] needs configMap");
    }

    [Fact]
    public void settlement_reads_its_epoch_salt_secret_from_a_secret_and_funding_gets_its_documented_defaults()
    {
        var manifests = Helm.Load();
        var settlement = manifests.ServiceWorkloads.Single(w => w.Service == "settlement").App.Env.Single(e => e.Name == "Settlement__Epochs__SaltSecret");
        var funding = manifests.ServiceWorkloads.Single(w => w.Service == "funding");

        settlement.ValueFrom.SecretKeyRef.Name.ShouldBe("clearing-settlement");
        settlement.ValueFrom.SecretKeyRef.Key.ShouldBe("epoch-salt-secret");
        funding.Env("Funding__Defaults__Interval").ShouldBe("01:00:00");
        funding.Env("Funding__Defaults__SamplePeriod").ShouldBe("00:00:05");
        funding.Env("Funding__Defaults__Cap").ShouldBe("0.006");
        funding.Env("Funding__MaxIndexAge").ShouldBe("00:00:30");
    }

    [Fact]
    public void the_dev_overlay_generates_the_genesis_configmap_the_base_mounts()
    {
        var result = Tools.Run(Tools.Kubectl, ["kustomize", Repository.Path("k8s/overlays/dev")]).EnsureSuccess();
        var configMap = Manifests.Parse(result).Single<V1ConfigMap>("clearing-governance-genesis");

        configMap.Data["genesis.json"].ShouldBe(Repository.Read("services/governance/Clearing.Governance/Genesis/genesis.development.json"));
    }

    public static TheoryData<string> ValueFiles => Helm.ValueFiles;
}
