using System.Text.RegularExpressions;
using Clearing.Deploy.Tests.Support;

namespace Clearing.Deploy.Tests;

/// <summary>
/// tilt/Tiltfile cannot run here (no tilt, no cluster); these check that what it names exists and agrees with the
/// chart and the services: projects, assemblies, local ports, chart values and images.
/// </summary>
public sealed partial class TiltfileTests
{
    private static readonly string Text = Repository.Read("tilt/Tiltfile");

    [Fact]
    public void the_tiltfile_runs_every_service_the_chart_deploys()
    {
        var tilt = Services().Select(s => s.Name).Order(StringComparer.Ordinal);
        var chart = Helm.LoadWith("dev").ServiceWorkloads.Select(w => w.Service).Order(StringComparer.Ordinal);

        tilt.ShouldBe(chart);
    }

    [Fact]
    public void every_service_entry_names_an_existing_project_and_its_assembly()
    {
        foreach (var service in Services())
        {
            var project = Repository.Path($"{service.Folder}/{service.Assembly}.csproj");
            File.Exists(project).ShouldBeTrue($"{service.Name}: {project}");
        }
    }

    [Fact]
    public void local_ports_are_the_ones_each_service_uses_under_clearing_up()
    {
        foreach (var service in Services())
        {
            var extensions = Directory.GetFiles(Repository.Path($"{service.Folder}/Extensions"), "*ServiceExtensions.cs").Single();
            var identity = ServiceIdentity().Match(File.ReadAllText(extensions));
            identity.Success.ShouldBeTrue(extensions);
            identity.Groups["name"].Value.ShouldBe(service.Name);
            int.Parse(identity.Groups["grpc"].Value, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(service.GrpcPort, service.Name);
            int.Parse(identity.Groups["http"].Value, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(service.HttpPort, service.Name);
        }
    }

    [Fact]
    public void the_paths_and_resources_it_uses_exist()
    {
        foreach (var path in new[] { "k8s/dev-infra", "deploy/helm/clearing", "deploy/helm/clearing/values-dev.yaml", "deploy/docker/Dockerfile.dev" })
        {
            Text.ShouldContain($"ROOT + '/{path}'");
            Path.Exists(Repository.Path(path)).ShouldBeTrue(path);
        }

        var devInfra = Manifests.Parse(Tools.Run(Tools.Kubectl, ["kustomize", Repository.Path("k8s/dev-infra")]).EnsureSuccess());
        foreach (var resource in new[] { "kafka", "postgres", "clearing-kafka-topics" })
        {
            Text.ShouldContain($"k8s_resource('{resource}'");
            devInfra.Objects.ShouldContain(o => o.Metadata.Name == resource && (o.Kind == "StatefulSet" || o.Kind == "Job"));
        }
    }

    [Fact]
    public void the_values_it_sets_are_accepted_by_the_chart_and_name_the_images_it_builds()
    {
        var settings = SetValue().Matches(Text).Select(m => m.Groups[1].Value).Where(s => !s.Contains('%', StringComparison.Ordinal)).ToList();
        settings.ShouldContain("kafka.topicsJob.enabled=false");
        settings.ShouldContain("tests.enabled=false");

        var arguments = new List<string>(Helm.ValuesArguments("dev"));
        foreach (var setting in settings)
        {
            arguments.Add("--set");
            arguments.Add(setting);
        }

        arguments.AddRange(["--set", "dapr.enabled=false", "--set", "services.settlement.enabled=false"]);
        var manifests = Helm.Load([.. arguments]);
        manifests.OfType<k8s.Models.V1Job>().ShouldBeEmpty();
        manifests.OfType<k8s.Models.V1Pod>().ShouldBeEmpty();
        manifests.ServiceWorkloads.Select(w => w.Service).ShouldNotContain("settlement");
        Text.ShouldContain("docker_build_with_restart(\n        'clearing-' + name,");
        manifests.ServiceWorkloads.ShouldAllBe(w => w.App.Image == $"clearing-{w.Service}:dev");
    }

    private static IReadOnlyList<TiltService> Services() =>
        ServiceEntry().Matches(Text).Select(m => new TiltService(
            m.Groups["name"].Value, m.Groups["folder"].Value, m.Groups["assembly"].Value,
            int.Parse(m.Groups["grpc"].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(m.Groups["http"].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();

    private sealed record TiltService(string Name, string Folder, string Assembly, int GrpcPort, int HttpPort);

    [GeneratedRegex(@"'(?<name>[a-z-]+)': \('(?<folder>services/[^']+)', '(?<assembly>[A-Za-z.]+)', (?<grpc>\d+), (?<http>\d+)\)")]
    private static partial Regex ServiceEntry();

    [GeneratedRegex(@"AddServiceIdentity\(""(?<name>[a-z-]+)"", grpcPort: (?<grpc>\d+), httpPort: (?<http>\d+)\)")]
    private static partial Regex ServiceIdentity();

    [GeneratedRegex(@"^\s*'([a-zA-Z.]+=[^']*)',", RegexOptions.Multiline)]
    private static partial Regex SetValue();
}
