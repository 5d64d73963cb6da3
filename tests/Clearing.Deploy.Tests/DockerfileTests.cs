using Clearing.Deploy.Tests.Support;

namespace Clearing.Deploy.Tests;

/// <summary>
/// deploy/docker: no Docker engine runs here, so the image build is checked by reading the Dockerfile for the
/// properties the platform needs (non-root, no SDK at run time, read-only friendly, one file for every service).
/// </summary>
public sealed class DockerfileTests
{
    private static readonly string Text = Repository.Read("deploy/docker/Dockerfile");
    private static readonly IReadOnlyList<DockerStage> Stages = Dockerfile.Parse(Text);

    private static DockerStage Runtime => Stages[^1];

    [Fact]
    public void the_build_is_multi_stage_with_the_sdk_only_in_the_build_stage()
    {
        Stages.Count.ShouldBe(2);
        Stages[0].From.ShouldBe("mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}");
        Stages[0].All("RUN").ShouldContain(r => r.Contains("dotnet publish \"$PROJECT\"", StringComparison.Ordinal));

        var runtimeImage = Resolve(Runtime.From);
        runtimeImage.ShouldBe("mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled");
        runtimeImage.ShouldNotContain("sdk");
    }

    [Fact]
    public void services_are_published_precompiled_unless_the_build_says_otherwise()
    {
        Stages[0].All("ARG").ShouldContain("READY_TO_RUN=true");
        Stages[0].All("RUN").ShouldContain(r => r.Contains("dotnet publish \"$PROJECT\"", StringComparison.Ordinal)
            && r.Contains("-p:PublishReadyToRun=\"$READY_TO_RUN\"", StringComparison.Ordinal));
    }

    [Fact]
    public void any_service_is_built_from_the_repository_root_through_one_build_argument()
    {
        Stages[0].All("ARG").ShouldContain("PROJECT");
        Stages[0].All("COPY").ShouldContain(". .");
        Stages[0].All("RUN").ShouldContain(r => r.Contains("test -f \"$PROJECT\"", StringComparison.Ordinal));
        foreach (var project in new[]
        {
            "services/order-gateway/Clearing.OrderGateway/Clearing.OrderGateway.csproj",
            "services/matching/Clearing.Matching/Clearing.Matching.csproj",
            "services/cli/Clearing.Cli/Clearing.Cli.csproj",
        })
        {
            File.Exists(Repository.Path(project)).ShouldBeTrue(project);
        }

        Text.ShouldContain("--build-arg PROJECT=services/margin/Clearing.Margin/Clearing.Margin.csproj");
    }

    [Fact]
    public void the_runtime_stage_runs_as_a_numeric_non_root_user_and_executes_no_shell()
    {
        var user = Runtime.All("USER").ShouldHaveSingleItem();
        var uid = user.Split(':')[0];
        int.TryParse(uid, out var id).ShouldBeTrue("a numeric user lets kubelet verify runAsNonRoot");
        id.ShouldBe(1654);
        Runtime.Instructions.Select(i => i.Keyword).ShouldNotContain("RUN", "the chiseled runtime image has no shell");
        Runtime.Instructions.Last(i => i.Keyword is "USER" or "ENTRYPOINT" or "COPY").Keyword.ShouldBe("ENTRYPOINT");
    }

    [Fact]
    public void the_entry_point_is_exec_form_so_sigterm_reaches_the_host()
    {
        Runtime.All("ENTRYPOINT").ShouldHaveSingleItem().ShouldBe("[\"/app/entrypoint\"]");
        Runtime.All("STOPSIGNAL").ShouldHaveSingleItem().ShouldBe("SIGTERM");
        Stages[0].All("RUN").ShouldContain(r => r.Contains("cp \"/out/app/$name\" /out/app/entrypoint", StringComparison.Ordinal));
    }

    [Fact]
    public void the_runtime_stage_writes_only_to_the_data_directory_and_exposes_both_endpoints()
    {
        Runtime.All("COPY").ShouldContain("--from=build --chown=root:root /out/app /app", "the app files are not writable by the app user");
        Runtime.All("COPY").ShouldContain("--from=build --chown=1654:1654 /out/data /var/lib/clearing");
        Runtime.All("ENV").ShouldContain(e => e.Contains("Clearing__DataDirectory=/var/lib/clearing", StringComparison.Ordinal));
        Runtime.All("EXPOSE").ShouldHaveSingleItem().ShouldBe("7100 8100");
    }

    [Fact]
    public void the_build_context_leaves_out_build_output_tests_and_local_data()
    {
        var ignored = Repository.Read("deploy/docker/Dockerfile.dockerignore").Split('\n').Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);

        foreach (var pattern in new[] { "**/bin/", "**/obj/", ".git/", "tests/", "**/.clearing/" })
        {
            ignored.ShouldContain(pattern);
        }
    }

    [Fact]
    public void the_tilt_development_image_also_runs_as_the_non_root_user()
    {
        var dev = Dockerfile.Parse(Repository.Read("deploy/docker/Dockerfile.dev")).ShouldHaveSingleItem();

        dev.From.ShouldBe("mcr.microsoft.com/dotnet/aspnet:10.0");
        dev.All("USER").ShouldHaveSingleItem().ShouldBe("1654:1654");
        dev.All("COPY").ShouldHaveSingleItem().ShouldBe("--chown=1654:1654 . /app");
    }

    [Fact]
    public void the_chart_images_are_the_ones_the_dockerfile_documents()
    {
        Helm.Load().ServiceWorkloads.ShouldAllBe(w => w.App.Image == $"clearing-{w.Service}:0.1.0");
        Text.ShouldContain("-t clearing-margin:0.1.0");
        Text.ShouldContain("-t clearing-cli:0.1.0");
    }

    private static string Resolve(string image)
    {
        foreach (var (name, value) in Dockerfile.GlobalArguments(Text))
        {
            image = image.Replace("${" + name + "}", value, StringComparison.Ordinal);
        }

        return image;
    }
}
