using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Clearing.Cli.Stack;

/// <summary>One service running as its own OS process, its output prefixed with its name.</summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly Action<string, string, bool> _log;

    private ServiceProcess(ServiceSpec spec, Process process, int grpcPort, int httpPort, Action<string, string, bool> log)
    {
        Spec = spec;
        _process = process;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        _log = log;
    }

    public ServiceSpec Spec { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ServiceProcess Start(ServiceSpec spec, string assemblyPath, IReadOnlyDictionary<string, string> environment, int grpcPort, int httpPort, Action<string, string, bool> log)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(spec, process, grpcPort, httpPort, log);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                log(spec.Name, e.Data, false);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                log(spec.Name, e.Data, true);
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {spec.Name} ({assemblyPath}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Polls /health/ready until it answers 200, the process dies, or the deadline passes.</summary>
    public async Task<bool> WaitUntilReadyAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HttpPort}/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet: the host is still starting.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The probe timed out: a host still warming up on a busy machine answers slowly. Ask again.
            }

            await Task.Delay(250, cancellationToken);
        }

        return false;
    }

    /// <summary>SIGTERM first, so the host drains consumers and flushes producers; SIGKILL only past the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (OperatingSystem.IsWindows() || Kill(_process.Id, SigTerm) != 0)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _log(Spec.Name, $"did not stop within {grace.TotalSeconds:F0} s; killing it", true);
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
