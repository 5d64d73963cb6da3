using Clearing.Deploy.Tests.Support;
using k8s.Models;

namespace Clearing.Deploy.Tests;

/// <summary>helm test hooks, the replay Job and the release notes.</summary>
public sealed class OperationsTests
{
    [Fact]
    public void helm_test_asks_every_service_for_its_readiness()
    {
        var manifests = Helm.Load();
        var pods = manifests.OfType<V1Pod>().ToList();

        pods.Count.ShouldBe(9);
        foreach (var workload in manifests.ServiceWorkloads)
        {
            var pod = pods.Single(p => p.Metadata.Name == $"{workload.Name}-health-test");
            pod.Metadata.Annotations["helm.sh/hook"].ShouldBe("test");
            pod.Metadata.Labels["clearing.io/health-check"].ShouldBe("true");
            pod.Spec.Containers.Single().Args.ShouldContain($"http://{workload.Name}:8100/health/ready");
            pod.Spec.SecurityContext.RunAsNonRoot.ShouldBe(true);
        }
    }

    [Fact]
    public void the_replay_job_runs_clearing_replay_against_the_services_event_store()
    {
        var job = Helm.Load("--set", "replay.enabled=true", "--set", "replay.service=order-gateway", "--set", "replay.runId=r7",
            "--set", "replay.args[0]=--dry-run").Single<V1Job>("clearing-replay-order-gateway-r7");

        var container = job.Spec.Template.Spec.Containers.Single();
        container.Image.ShouldBe("clearing-cli:0.1.0");
        container.Command.ShouldBe(["/app/clearing"]);
        container.Args.ShouldBe(["replay", "--service", "order-gateway", "--postgres", "$(EVENTSTORE_POSTGRES)", "--schema", "order_gateway", "--dry-run"]);
        container.Env.Single(e => e.Name == "EVENTSTORE_POSTGRES").ValueFrom.SecretKeyRef.Name.ShouldBe("clearing-postgres");
        job.Spec.Template.Metadata.Labels["clearing.io/operator-client"].ShouldBe("true");
        job.Spec.Template.Spec.RestartPolicy.ShouldBe("Never");
        container.SecurityContext.ReadOnlyRootFilesystem.ShouldBe(true);
    }

    [Fact]
    public void replay_without_postgresql_fails_explaining_why()
    {
        var result = Helm.TryTemplate("--set", "replay.enabled=true", "--set", "eventStore.postgres.enabled=false");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("replay needs eventStore.postgres.enabled");
    }

    [Fact]
    public void replay_of_an_unknown_service_fails_listing_the_services()
    {
        var result = Helm.TryTemplate("--set", "replay.enabled=true", "--set", "replay.service=ledger");

        result.ExitCode.ShouldNotBe(0);
        result.Stderr.ShouldContain("replay.service \"ledger\" is not a service of this chart");
    }

    [Fact]
    public void the_release_notes_name_the_prerequisites_and_how_to_check_health()
    {
        var notes = Tools.Run(Tools.Helm, ["install", "clearing", Repository.Chart, "--dry-run=client", "--namespace", "clearing"]).EnsureSuccess();

        notes.ShouldContain("helm test clearing -n clearing");
        notes.ShouldContain("Secret clearing-postgres with key event-store-connection-string");
        notes.ShouldContain("the Dapr control plane");
        notes.ShouldContain("Kafka cluster \"clearing-kafka\"");
    }
}
