using System.Text.RegularExpressions;
using Clearing.Deploy.Tests.Support;
using k8s.Models;

namespace Clearing.Deploy.Tests;

/// <summary>What every service's pod must be: non-root, read-only, probed, drained, wired to Kafka, the store and Dapr.</summary>
public sealed partial class WorkloadTests
{
    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void every_service_runs_as_non_root_without_privileges(string valueFile)
    {
        foreach (var workload in Helm.LoadWith(valueFile).ServiceWorkloads)
        {
            var pod = workload.Template.Spec;
            pod.SecurityContext.RunAsNonRoot.ShouldBe(true, workload.Name);
            pod.SecurityContext.RunAsUser.ShouldBe(1654, workload.Name);
            pod.SecurityContext.SeccompProfile.Type.ShouldBe("RuntimeDefault");
            var container = workload.App.SecurityContext;
            container.AllowPrivilegeEscalation.ShouldBe(false, workload.Name);
            container.Privileged.ShouldBe(false, workload.Name);
            container.Capabilities.Drop.ShouldBe(["ALL"]);
        }
    }

    [Theory]
    [InlineData("default")]
    [InlineData("prod")]
    public void outside_development_the_root_filesystem_is_read_only_with_tmp_and_data_on_volumes(string valueFile)
    {
        foreach (var workload in Helm.LoadWith(valueFile).ServiceWorkloads)
        {
            workload.App.SecurityContext.ReadOnlyRootFilesystem.ShouldBe(true, workload.Name);
            workload.App.VolumeMounts.Select(m => m.MountPath).ShouldContain("/tmp");
            workload.App.VolumeMounts.Select(m => m.MountPath).ShouldContain("/var/lib/clearing");
            workload.Env("Clearing__DataDirectory").ShouldBe("/var/lib/clearing");
        }
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void every_service_is_probed_on_its_plain_http_health_endpoints(string valueFile)
    {
        foreach (var workload in Helm.LoadWith(valueFile).ServiceWorkloads)
        {
            var app = workload.App;
            app.Ports.Select(p => (p.Name, p.ContainerPort)).ShouldBe([("grpc", 7100), ("http", 8100)]);
            (app.StartupProbe.HttpGet.Path, app.StartupProbe.HttpGet.Port.Value).ShouldBe(("/health/live", "http"));
            (app.LivenessProbe.HttpGet.Path, app.LivenessProbe.HttpGet.Port.Value).ShouldBe(("/health/live", "http"));
            (app.ReadinessProbe.HttpGet.Path, app.ReadinessProbe.HttpGet.Port.Value).ShouldBe(("/health/ready", "http"));
            workload.Env("Clearing__Grpc__Port").ShouldBe("7100");
            workload.Env("Clearing__Http__Port").ShouldBe("8100");
        }
    }

    [Fact]
    public void the_grace_period_outlasts_the_services_own_shutdown_budget()
    {
        foreach (var workload in Helm.Load().ServiceWorkloads)
        {
            workload.Env("Clearing__ShutdownTimeout").ShouldBe("00:00:25");
            workload.Template.Spec.TerminationGracePeriodSeconds.ShouldBe(30);
            workload.Annotations["dapr.io/graceful-shutdown-seconds"].ShouldBe("25");
        }

        var longer = Helm.Load("--set", "clearing.shutdownTimeoutSeconds=95").ServiceWorkloads.First();
        longer.Env("Clearing__ShutdownTimeout").ShouldBe("00:01:35");
        longer.Template.Spec.TerminationGracePeriodSeconds.ShouldBe(100);
    }

    [Fact]
    public void matching_is_a_statefulset_whose_pod_ordinal_names_its_transactional_id()
    {
        var matching = Helm.Load().ServiceWorkloads.Single(w => w.Service == "matching");

        matching.Kind.ShouldBe("StatefulSet");
        matching.EnvVar("Kafka__InstanceOrdinal")!.ValueFrom.FieldRef.FieldPath.ShouldBe("metadata.labels['apps.kubernetes.io/pod-index']");
        matching.Env("Kafka__ServiceName").ShouldBe("matching");
        Helm.Load().Single<V1Service>("clearing-matching-headless").Spec.ClusterIP.ShouldBe("None");
    }

    [Fact]
    public void deployment_replicas_get_a_client_id_of_their_own_and_no_shared_ordinal()
    {
        foreach (var workload in Helm.Load().ServiceWorkloads.Where(w => w.Kind == "Deployment"))
        {
            workload.Env("Kafka__ClientId").ShouldBe("$(POD_NAME)");
            workload.EnvVar("Kafka__InstanceOrdinal").ShouldBeNull();
        }
    }

    [Theory]
    [MemberData(nameof(ValueFiles))]
    public void every_environment_reference_names_a_variable_defined_before_it(string valueFile)
    {
        foreach (var workload in Helm.LoadWith(valueFile).ServiceWorkloads)
        {
            var defined = new HashSet<string>(StringComparer.Ordinal);
            foreach (var variable in workload.App.Env)
            {
                foreach (Match reference in EnvReference().Matches(variable.Value ?? ""))
                {
                    defined.ShouldContain(reference.Groups[1].Value, $"{workload.Name}: {variable.Name} uses $({reference.Groups[1].Value}) before it is defined");
                }

                defined.Add(variable.Name);
            }
        }
    }

    [Fact]
    public void kafka_connects_over_sasl_ssl_with_each_services_own_user_and_the_cluster_ca()
    {
        var margin = Helm.Load().ServiceWorkloads.Single(w => w.Service == "margin");

        margin.Env("Kafka__BootstrapServers").ShouldBe("clearing-kafka-kafka-bootstrap:9093");
        margin.Env("Kafka__Properties__security.protocol").ShouldBe("SASL_SSL");
        margin.Env("Kafka__Properties__sasl.mechanism").ShouldBe("SCRAM-SHA-512");
        margin.Env("Kafka__Properties__sasl.username").ShouldBe("clearing-margin");
        margin.EnvVar("Kafka__Properties__sasl.password")!.ValueFrom.SecretKeyRef.Name.ShouldBe("clearing-margin");
        margin.Env("Kafka__Properties__ssl.ca.location").ShouldBe("/etc/clearing/kafka-ca/ca.crt");
        margin.Template.Spec.Volumes.Single(v => v.Name == "kafka-ca").Secret.SecretName.ShouldBe("clearing-kafka-cluster-ca-cert");
    }

    [Fact]
    public void the_event_store_connection_comes_from_a_secret_with_one_schema_per_service()
    {
        var workloads = Helm.Load().ServiceWorkloads;

        foreach (var workload in workloads)
        {
            var store = workload.EnvVar("EventStore__Postgres")!.ValueFrom.SecretKeyRef;
            (store.Name, store.Key).ShouldBe(("clearing-postgres", "event-store-connection-string"));
        }

        workloads.Single(w => w.Service == "order-gateway").Env("EventStore__PostgresSchema").ShouldBe("order_gateway");
        Helm.Load("--set", "eventStore.postgres.enabled=false").ServiceWorkloads.ShouldAllBe(w => w.EnvVar("EventStore__Postgres") == null);
    }

    [Fact]
    public void dapr_sidecars_are_annotated_with_app_id_grpc_port_protocol_and_config()
    {
        foreach (var workload in Helm.Load().ServiceWorkloads)
        {
            var annotations = workload.Annotations;
            annotations["dapr.io/enabled"].ShouldBe("true");
            annotations["dapr.io/app-id"].ShouldBe(workload.Service);
            annotations["dapr.io/app-port"].ShouldBe("7100");
            annotations["dapr.io/app-protocol"].ShouldBe("grpc");
            annotations["dapr.io/config"].ShouldBe("clearing");
            workload.Env("Dapr__Enabled").ShouldBe("true");
            workload.Env("Dapr__StateStoreName").ShouldBe("statestore");
            workload.Env("Dapr__PubSubName").ShouldBe("pubsub");
            workload.Template.Spec.AutomountServiceAccountToken.ShouldBe(true);
        }

        Helm.LoadWith("prod").ServiceWorkloads.ShouldAllBe(w => w.Annotations["dapr.io/app-token-secret"] == "clearing-dapr-app-token");
    }

    [Fact]
    public void without_dapr_no_sidecar_is_injected_and_no_token_is_mounted()
    {
        foreach (var workload in Helm.LoadWith("dev").ServiceWorkloads)
        {
            workload.Annotations.ShouldNotContainKey("dapr.io/enabled");
            workload.Env("Dapr__Enabled").ShouldBe("false");
            workload.Template.Spec.AutomountServiceAccountToken.ShouldBe(false);
        }
    }

    [Fact]
    public void grpc_tls_mounts_the_certificate_and_switches_the_sidecar_to_grpcs()
    {
        var workload = Helm.Load("--set", "clearing.grpcTlsSecret=clearing-grpc-tls").ServiceWorkloads.First();

        workload.Env("Clearing__Grpc__Tls__CertificatePath").ShouldBe("/etc/clearing/grpc-tls/tls.crt");
        workload.Env("Clearing__Grpc__Tls__KeyPath").ShouldBe("/etc/clearing/grpc-tls/tls.key");
        workload.Annotations["dapr.io/app-protocol"].ShouldBe("grpcs");
    }

    [Fact]
    public void configuration_values_become_environment_variables_with_the_service_value_winning()
    {
        var workloads = Helm.Load(
            "--set", "clearing.config.Clearing:Auth:MaxClockSkew=00:00:10",
            "--set", "services.margin.config.Clearing:Auth:MaxClockSkew=00:00:05").ServiceWorkloads;

        workloads.Single(w => w.Service == "margin").Env("Clearing__Auth__MaxClockSkew").ShouldBe("00:00:05");
        workloads.Single(w => w.Service == "funding").Env("Clearing__Auth__MaxClockSkew").ShouldBe("00:00:10");
    }

    [Fact]
    public void the_gateway_autoscales_on_cpu_and_every_service_has_a_disruption_budget()
    {
        var manifests = Helm.Load();

        var hpa = manifests.OfType<V2HorizontalPodAutoscaler>().ShouldHaveSingleItem();
        hpa.Spec.ScaleTargetRef.Name.ShouldBe("clearing-order-gateway");
        hpa.Spec.Metrics.Single().Resource.Name.ShouldBe("cpu");
        manifests.Single<V1Deployment>("clearing-order-gateway").Spec.Replicas.ShouldBeNull();
        manifests.OfType<V1PodDisruptionBudget>().Select(p => p.Metadata.Name).Count().ShouldBe(9);
        manifests.OfType<V1PodDisruptionBudget>().ShouldAllBe(p => p.Spec.MaxUnavailable.Value == "1");
    }

    [Fact]
    public void only_operator_clients_and_declared_peers_reach_grpc_and_egress_is_restricted_in_production()
    {
        var margin = Helm.Load().Single<V1NetworkPolicy>("clearing-margin");
        var grpc = margin.Spec.Ingress.Single(r => r.Ports.Single().Port.Value == "grpc");
        grpc.FromProperty.ShouldHaveSingleItem().PodSelector.MatchLabels["clearing.io/operator-client"].ShouldBe("true");

        var gateway = Helm.LoadWith("prod").Single<V1NetworkPolicy>("clearing-order-gateway");
        gateway.Spec.PolicyTypes.ShouldBe(["Ingress", "Egress"]);
        gateway.Spec.Egress.ShouldContain(e => e.Ports.Any(p => p.Port.Value == "53"));
        gateway.Spec.Egress.ShouldContain(e => e.Ports.Any(p => p.Port.Value == "9093"));
        gateway.Spec.Ingress.Single(r => r.Ports.Single().Port.Value == "grpc").FromProperty
            .ShouldContain(p => p.NamespaceSelector != null && p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "ingress-nginx");
    }

    [Fact]
    public void the_production_values_spread_replicas_and_keep_one_writer_for_matching_governance_and_the_vault()
    {
        var workloads = Helm.LoadWith("prod").ServiceWorkloads;

        workloads.Single(w => w.Service == "matching").Replicas.ShouldBe(1);
        workloads.Single(w => w.Service == "governance").Replicas.ShouldBe(1);
        workloads.Single(w => w.Service == "vault").Replicas.ShouldBe(1);
        workloads.Where(w => w.Service is not ("order-gateway" or "matching" or "governance" or "vault")).ShouldAllBe(w => w.Replicas >= 2);
        workloads.ShouldAllBe(w => w.Template.Spec.TopologySpreadConstraints.Count == 2);
        workloads.ShouldAllBe(w => w.App.Image.StartsWith("registry.example.com/clearing/clearing-", StringComparison.Ordinal));
    }

    public static TheoryData<string> ValueFiles => Helm.ValueFiles;

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_.]*)\)")]
    private static partial Regex EnvReference();
}
