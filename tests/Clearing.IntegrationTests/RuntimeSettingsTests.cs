using System.Text.Json;

namespace Clearing.IntegrationTests;

/// <summary>
/// The runtime settings services/Directory.Build.props gives every process of the stack (nine services and the CLI on a
/// few cores), read from the runtimeconfig.json files the build wrote next to each host.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void every_service_and_the_cli_start_with_sixteen_pool_workers_workstation_gc_no_tiered_pgo_and_no_pool_spinning()
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var services = Path.Combine(ClearingCli.RepositoryRoot(), "services");
        var files = Directory.GetDirectories(services)
            .SelectMany(Directory.GetDirectories)
            .Select(project => Path.Combine(project, "bin", configuration, "net10.0"))
            .Where(Directory.Exists)
            .SelectMany(output => Directory.GetFiles(output, "*.runtimeconfig.json"))
            .Where(file => !file.Contains(".Tests.", StringComparison.Ordinal))
            .ToList();

        files.Select(Path.GetFileName).ShouldContain("clearing.runtimeconfig.json");
        files.Count.ShouldBeGreaterThanOrEqualTo(10, string.Join(", ", files.Select(Path.GetFileName)));
        foreach (var file in files)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
            var name = Path.GetFileName(file);
            properties.GetProperty("System.Threading.ThreadPool.MinThreads").GetInt32().ShouldBeGreaterThanOrEqualTo(16, name);
            properties.GetProperty("System.GC.Server").GetBoolean().ShouldBeFalse(name);
            properties.GetProperty("System.Runtime.TieredPGO").GetBoolean().ShouldBeFalse(name);
            properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").ToString().ShouldBe("0", name);
        }
    }
}
