using System.Diagnostics;
using Clearing.Contracts;
using Xunit.Abstractions;

namespace Clearing.IntegrationTests;

/// <summary>The one-command local stack, driven as a user would: real processes, real Kafka protocol, kcat.</summary>
public sealed class LocalStackTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "clearing-up-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task clearing_up_runs_nine_ready_services_and_kcat_lists_every_topic_on_its_broker()
    {
        var basePort = ClearingCli.FreeBasePort(9);
        await using var cli = ClearingCli.Start("up", "--data", _data, "--base-port", basePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ready-timeout", "200", "--quiet");

        await cli.WaitForLineAsync(l => l.StartsWith("clearing up: ready (9 services)", StringComparison.Ordinal), TimeSpan.FromMinutes(4));
        var bootstrap = (await File.ReadAllTextAsync(Path.Combine(_data, "kafka.bootstrap"))).Trim();
        var listing = await KcatListAsync(bootstrap);
        output.WriteLine(listing);

        foreach (var topic in Topics.All)
        {
            listing.ShouldContain($"topic \"{topic}\"");
        }

        using var http = new HttpClient();
        for (var i = 0; i < 9; i++)
        {
            (await http.GetAsync(new Uri($"http://127.0.0.1:{basePort + 1000 + i}/health/ready"))).IsSuccessStatusCode.ShouldBeTrue();
        }

        var exitCode = await cli.TerminateAsync(TimeSpan.FromSeconds(90));
        output.WriteLine(string.Join('\n', cli.Lines.TakeLast(60)));
        exitCode.ShouldBe(0);
        cli.Lines.ShouldContain(l => l.Contains("[up           ] stopped", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static async Task<string> KcatListAsync(string bootstrap)
    {
        var info = new ProcessStartInfo("kcat") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-b", bootstrap, "-L", "-m", "10" })
        {
            info.ArgumentList.Add(argument);
        }

        Process kcat;
        try
        {
            kcat = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("kcat is not installed: tests/run.sh installs it (apt-get install kcat).", ex);
        }

        using (kcat)
        {
            var stdout = await kcat.StandardOutput.ReadToEndAsync();
            var stderr = await kcat.StandardError.ReadToEndAsync();
            await kcat.WaitForExitAsync();
            kcat.ExitCode.ShouldBe(0, stderr);
            return stdout;
        }
    }
}
