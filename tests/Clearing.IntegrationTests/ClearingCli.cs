using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Clearing.IntegrationTests;

/// <summary>Runs the built `clearing` command as a real process and watches its output.</summary>
internal sealed class ClearingCli : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _newLine = new(0);

    private ClearingCli(Process process) => _process = process;

    public IReadOnlyCollection<string> Lines => _lines;

    public static string DllPath
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var root = RepositoryRoot();
            return Path.Combine(root, "services", "cli", "Clearing.Cli", "bin", configuration, "net10.0", "clearing.dll");
        }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clearing.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Clearing.sln not found above the test output directory.");
    }

    public static ClearingCli Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DllPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var cli = new ClearingCli(process);
        // Wake a waiter when the process ends, so an early exit is reported at once instead of at the timeout.
        process.Exited += (_, _) => cli._newLine.Release();
        process.OutputDataReceived += (_, e) => cli.Add(e.Data);
        process.ErrorDataReceived += (_, e) => cli.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"clearing exited ({_process.ExitCode}) before the expected line:\n{string.Join('\n', _lines.TakeLast(40))}");
            }

            try
            {
                await _newLine.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching line within {timeout}:\n{string.Join('\n', _lines.TakeLast(40))}");
            }
        }
    }

    /// <summary>SIGTERM, as Kubernetes or Ctrl-C would send; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for the command to finish by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"clearing did not finish within {timeout}:\n{string.Join('\n', _lines.TakeLast(40))}");
        }
        return _process.ExitCode;
    }

    /// <summary>A base port with <paramref name="count"/> free ports at base+i and base+1000+i.</summary>
    public static int FreeBasePort(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            // Below Linux's ephemeral range (32768-60999): a stack's own outgoing connections (nine processes, each with
            // several broker sockets) take source ports from that range, and one landed on a service's listen port
            // between this check and the bind ("address already in use" in CI).
            var candidate = Random.Shared.Next(20_000, 32_768 - 1000 - count);
            if (Enumerable.Range(0, count).All(i => IsFree(candidate + i) && IsFree(candidate + 1000 + i)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No free port range found.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        _newLine.Release();
    }
}
