using System.Text.RegularExpressions;
using Clearing.Deploy.Tests.Support;
using k8s.Models;

namespace Clearing.Deploy.Tests;

/// <summary>
/// The LP vault (services/vault) in the chart and the kustomize overlays: one pod (the single writer of vault-{id} and of
/// its quotes), its quotes sent to the order gateway's gRPC API (address, NetworkPolicies both ways), its quoting key from
/// a Secret only, the liquidation backstop naming it, and its settings being options the vault reads.
/// </summary>
public sealed partial class VaultDeployTests
{
    // A well-formed base64 32-byte value (public key material only); which key it is does not matter to the chart.
    private const string TestKey = "jcl0AJVaPQH9wiNdcHUBMYoH8nurRcNkB9XB9fB2s4I=";

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void the_vault_runs_as_a_one_pod_statefulset_without_an_autoscaler(string valueFile)
    {
        var manifests = Helm.LoadWith(valueFile);
        var vault = manifests.ServiceWorkloads.Single(w => w.Service == "vault");

        vault.Kind.ShouldBe("StatefulSet", "a StatefulSet stops the old pod before starting its replacement: never two quoting loops");
        vault.Replicas.ShouldBe(1);
        vault.Env("Clearing__ServiceName").ShouldBe("vault");
        vault.Env("Kafka__ServiceName").ShouldBe("vault");
        manifests.OfType<V2HorizontalPodAutoscaler>().ShouldNotContain(h => h.Spec.ScaleTargetRef.Name == "clearing-vault");
        manifests.Single<V1Service>("clearing-vault").Spec.Ports.Select(p => (p.Name, p.Port)).ShouldBe([("grpc", 7100), ("http", 8100)]);
        manifests.Single<V1Service>("clearing-vault-headless").Spec.ClusterIP.ShouldBe("None");
        manifests.Single<V1ServiceAccount>("clearing-vault").AutomountServiceAccountToken.ShouldBe(false);
        manifests.Single<V1NetworkPolicy>("clearing-vault").Spec.PodSelector.MatchLabels["app.kubernetes.io/name"].ShouldBe("vault");
        if (valueFile != "dev")
        {
            manifests.Single<V1PodDisruptionBudget>("clearing-vault").Spec.MaxUnavailable.Value.ShouldBe("1");
        }
    }

    [Fact]
    public void the_vault_host_serves_the_health_endpoints_the_chart_probes()
    {
        var program = Repository.Read("services/vault/Clearing.Vault/Program.cs");

        program.ShouldContain("app.MapDefaultEndpoints();");
        program.ShouldContain("builder.AddServiceDefaults();");
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void the_vault_is_given_the_gateways_in_cluster_grpc_address(string valueFile)
    {
        var vault = Helm.LoadWith(valueFile).ServiceWorkloads.Single(w => w.Service == "vault");

        vault.Env("Vault__Quoting__GatewayAddress").ShouldBe("http://clearing-order-gateway:7100");
    }

    [Fact]
    public void the_gateway_address_follows_the_release_name_and_grpc_tls()
    {
        var tls = Helm.Load("--set", "clearing.grpcTlsSecret=clearing-grpc-tls").ServiceWorkloads.Single(w => w.Service == "vault");
        var other = Manifests.Parse(Tools.Run(Tools.Helm, ["template", "risk-b", Repository.Chart, "--namespace", "team-b"]).EnsureSuccess())
            .ServiceWorkloads.Single(w => w.Service == "vault");

        tls.Env("Vault__Quoting__GatewayAddress").ShouldBe("https://clearing-order-gateway:7100");
        other.Env("Vault__Quoting__GatewayAddress").ShouldBe("http://risk-b-clearing-order-gateway:7100");
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void the_gateways_network_policy_admits_the_vaults_pods_to_its_grpc_port(string valueFile)
    {
        var gateway = Helm.LoadWith(valueFile).Single<V1NetworkPolicy>("clearing-order-gateway");
        var grpc = gateway.Spec.Ingress.Single(r => r.Ports.Single().Port.Value == "grpc");

        grpc.FromProperty.ShouldContain(peer => peer.PodSelector != null && peer.NamespaceSelector == null
            && peer.PodSelector.MatchLabels.Contains(new KeyValuePair<string, string>("app.kubernetes.io/name", "vault"))
            && peer.PodSelector.MatchLabels.Contains(new KeyValuePair<string, string>("app.kubernetes.io/instance", "clearing")));
    }

    [Fact]
    public void in_production_the_vault_may_leave_only_for_dns_kafka_postgres_dapr_and_the_gateways_grpc_port()
    {
        var manifests = Helm.LoadWith("prod");
        var vault = manifests.Single<V1NetworkPolicy>("clearing-vault");

        vault.Spec.PolicyTypes.ShouldBe(["Ingress", "Egress"]);
        var toGateway = vault.Spec.Egress.Where(e => e.To.Any(p => p.PodSelector?.MatchLabels != null
            && p.PodSelector.MatchLabels.TryGetValue("app.kubernetes.io/name", out var name) && name == "order-gateway")).ShouldHaveSingleItem();
        toGateway.Ports.Select(p => p.Port.Value).ShouldBe(["7100"]);
        toGateway.To.Single().PodSelector.MatchLabels["app.kubernetes.io/instance"].ShouldBe("clearing");
        vault.Spec.Egress.ShouldContain(e => e.Ports.Any(p => p.Port.Value == "9093"));
        vault.Spec.Egress.ShouldContain(e => e.Ports.Any(p => p.Port.Value == "5432"));
        vault.Spec.Egress.ShouldContain(e => e.To.Any(p => p.NamespaceSelector != null && p.NamespaceSelector.MatchLabels != null
            && p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "dapr-system"));
        // No other service's gRPC port: the vault's one way into the books is the gateway.
        vault.Spec.Egress.SelectMany(e => e.To).Where(p => p.PodSelector?.MatchLabels?.ContainsKey("app.kubernetes.io/name") == true)
            .Select(p => p.PodSelector.MatchLabels["app.kubernetes.io/name"]).ShouldBe(["order-gateway"]);
        // The gateway's other callers stay as they were: only the vault is added, not every pod of the release.
        manifests.Single<V1NetworkPolicy>("clearing-margin").Spec.Ingress.Single(r => r.Ports.Single().Port.Value == "grpc").FromProperty
            .ShouldNotContain(p => p.PodSelector != null && p.PodSelector.MatchLabels.ContainsKey("app.kubernetes.io/name"));
    }

    [Fact]
    public void in_production_lps_reach_the_vaults_api_only_through_the_ingress_controller()
    {
        var grpc = Helm.LoadWith("prod").Single<V1NetworkPolicy>("clearing-vault").Spec.Ingress.Single(r => r.Ports.Single().Port.Value == "grpc");

        grpc.FromProperty.ShouldContain(p => p.NamespaceSelector != null && p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "ingress-nginx");
        grpc.FromProperty.ShouldNotContain(p => p.IpBlock != null);
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void the_quoting_key_comes_from_an_optional_secret_and_quoting_is_off_by_default(string valueFile)
    {
        var vault = Helm.LoadWith(valueFile).ServiceWorkloads.Single(w => w.Service == "vault");
        var key = vault.EnvVar("Vault__Quoting__PrivateKey").ShouldNotBeNull();

        key.Value.ShouldBeNull();
        (key.ValueFrom.SecretKeyRef.Name, key.ValueFrom.SecretKeyRef.Key).ShouldBe(("clearing-vault", "quoting-private-key"));
        key.ValueFrom.SecretKeyRef.Optional.ShouldBe(true, "the vault starts without the Secret while quoting is off");
        vault.Env("Vault__Quoting__Enabled").ShouldBe("false");
        vault.Env("Vault__VaultId").ShouldBe("hlp");
    }

    [Fact]
    public void no_value_file_carries_a_private_key()
    {
        foreach (var file in new[] { "values.yaml", "values-dev.yaml", "values-prod.yaml" })
        {
            var text = Repository.Read($"deploy/helm/clearing/{file}");
            PrivateKeyValue().IsMatch(text).ShouldBeFalse($"{file} sets a private key as a value; it belongs in a Secret");
        }

        Helm.LoadWith("dev").OfType<V1Secret>().ShouldBeEmpty();
    }

    [Fact]
    public void quoting_without_the_vault_accounts_public_key_fails_the_render_naming_the_value_to_set()
    {
        var result = Helm.TryTemplate("--set", "services.vault.config.Vault:Quoting:Enabled=true");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("clearing.auth.traders has no public key for the vault's account \"vault-hlp\"");
        result.Stderr.ShouldContain("Set clearing.auth.traders.vault-hlp");
    }

    [Fact]
    public void quoting_with_the_public_key_registers_the_vault_account_with_the_gateway()
    {
        var manifests = Helm.Load(
            "--set", "services.vault.config.Vault:Quoting:Enabled=true",
            "--set", $"clearing.auth.traders.vault-hlp={TestKey}");

        manifests.ServiceWorkloads.Single(w => w.Service == "vault").Env("Vault__Quoting__Enabled").ShouldBe("true");
        manifests.ServiceWorkloads.Single(w => w.Service == "order-gateway").Env("Clearing__Auth__Traders__vault-hlp").ShouldBe(TestKey);
        manifests.ServiceWorkloads.ShouldAllBe(w => w.Env("Clearing__Auth__Traders__vault-hlp") == TestKey);
    }

    [Fact]
    public void another_vault_id_needs_the_public_key_of_its_own_account()
    {
        var result = Helm.TryTemplate(
            "--set", "services.vault.config.Vault:VaultId=lp2",
            "--set", "services.liquidation.config.Liquidation:Vault:VaultId=lp2",
            "--set", "services.vault.config.Vault:Quoting:Enabled=true",
            "--set", $"clearing.auth.traders.vault-hlp={TestKey}");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("\"vault-lp2\"");
    }

    [Fact]
    public void a_trader_key_that_is_not_a_base64_ed25519_key_is_refused_by_the_schema()
    {
        var result = Helm.TryTemplate("--set", "clearing.auth.traders.vault-hlp=not-a-key");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("at '/clearing/auth/traders/vault-hlp'");
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void the_liquidation_backstop_hands_positions_to_the_vault_this_release_runs(string valueFile)
    {
        var workloads = Helm.LoadWith(valueFile).ServiceWorkloads;

        workloads.Single(w => w.Service == "liquidation").Env("Liquidation__Vault__VaultId")
            .ShouldBe(workloads.Single(w => w.Service == "vault").Env("Vault__VaultId"));
    }

    [Fact]
    public void a_backstop_naming_another_vault_fails_the_render()
    {
        var result = Helm.TryTemplate("--set", "services.liquidation.config.Liquidation:Vault:VaultId=other");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("Liquidation:Vault:VaultId is \"other\" but the vault of this release is \"hlp\"");
    }

    [Fact]
    public void a_call_to_a_service_the_chart_does_not_have_fails_the_render()
    {
        var result = Helm.TryTemplate("--set", "services.vault.calls[0].service=gateway", "--set", "services.vault.calls[0].configKey=Vault:Quoting:GatewayAddress");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("services.vault.calls names \"gateway\", which is not a service of this chart");
    }

    [Fact]
    public void the_vault_alone_renders_as_tilt_selects_it_without_the_gateway_or_liquidation()
    {
        var arguments = new List<string>(Helm.ValuesArguments("dev"));
        foreach (var other in new[] { "funding", "governance", "liquidation", "margin", "matching", "oracle-ingest", "order-gateway", "settlement" })
        {
            arguments.AddRange(["--set", $"services.{other}.enabled=false"]);
        }

        var manifests = Helm.Load([.. arguments]);

        manifests.ServiceWorkloads.Select(w => w.Service).ShouldBe(["vault"]);
        manifests.ServiceWorkloads.Single().Env("Vault__Quoting__GatewayAddress").ShouldBe("http://clearing-order-gateway:7100");
    }

    [Fact]
    public void every_vault_setting_the_chart_writes_is_an_option_the_vault_reads()
    {
        var options = Repository.Read("services/vault/Clearing.Vault/Application/VaultOptions.cs");
        var settings = Helm.Load().ServiceWorkloads.Single(w => w.Service == "vault").App.Env.Select(e => e.Name)
            .Where(n => n.StartsWith("Vault__", StringComparison.Ordinal)).ToList();

        settings.ShouldContain("Vault__Quoting__PrivateKey");
        settings.ShouldContain("Vault__Quoting__GatewayAddress");
        foreach (var setting in settings)
        {
            foreach (var property in setting.Split("__").Skip(1))
            {
                options.ShouldContain($" {property} {{ get; set; }}", customMessage: $"{setting}: VaultOptions has no property {property}");
            }
        }
    }

    [Fact]
    public void the_release_notes_say_how_to_turn_vault_quoting_on()
    {
        var notes = Tools.Run(Tools.Helm, ["install", "clearing", Repository.Chart, "--dry-run=client", "--namespace", "clearing"]).EnsureSuccess();

        notes.ShouldContain("clearing-vault (StatefulSet, 1 replica(s))");
        notes.ShouldContain("Quoting is off");
        notes.ShouldContain("create Secret clearing-vault with key");
        notes.ShouldContain("clearing.auth.traders.vault-hlp");
    }

    [Fact]
    public void the_overlays_run_the_vault_with_one_replica_and_their_image()
    {
        var prod = Manifests.Parse(Tools.Run(Tools.Kubectl, ["kustomize", Repository.Path("k8s/overlays/prod")]).EnsureSuccess());
        var dev = Manifests.Parse(Tools.Run(Tools.Kubectl, ["kustomize", Repository.Path("k8s/overlays/dev")]).EnsureSuccess());

        var prodVault = prod.Single<V1StatefulSet>("clearing-vault");
        prodVault.Spec.Replicas.ShouldBe(1);
        prodVault.Spec.Template.Spec.Containers.Single().Image.ShouldBe("registry.example.com/clearing/clearing-vault:0.1.0");
        prod.Single<KafkaUser>("clearing-vault");
        var devVault = dev.ServiceWorkloads.Single(w => w.Service == "vault");
        devVault.App.Image.ShouldBe("clearing-vault:dev");
        devVault.Env("Dapr__Enabled").ShouldBe("false");
    }

    [Fact]
    public void the_dapr_components_are_scoped_to_the_vault_too()
    {
        foreach (var file in new[] { "k8s/dapr/statestore.yaml", "k8s/dapr/pubsub.yaml", "k8s/dapr/resiliency.yaml" })
        {
            var scopes = Yaml.Document(Repository.Read(file))["scopes"]!.AsArray().Select(s => (string)s!);
            scopes.ShouldContain("vault", file);
        }
    }

    public static TheoryData<string> ValueFiles => Helm.ValueFiles;

    [GeneratedRegex(@"PrivateKey:\s*[""']?[A-Za-z0-9+/]{20,}")]
    private static partial Regex PrivateKeyValue();
}
