using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Cli.Stack;
using Spectre.Console;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>What `simulate` and `demo` share: run a scenario against a stack, optionally kill a service mid-run, print the report.</summary>
internal static class SimulationSession
{
    public static async Task<int> RunAsync(SimulationSettings settings, (string Service, TimeSpan At)? kill, CancellationToken cancellationToken)
    {
        var runner = new SimulationRunner(settings);
        using var chaos = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var killer = kill is { } k ? KillLaterAsync(settings.Stack, k.Service, k.At, chaos.Token) : Task.CompletedTask;
        var (exit, report) = await runner.RunAsync(Console.Error, cancellationToken);
        await chaos.CancelAsync();
        try
        {
            await killer;
        }
        catch (OperationCanceledException)
        {
            // The run ended before the kill was due: nothing was killed, and the report says so (no "killed" entry).
        }
        if (kill is { } killed && killer.IsCompletedSuccessfully)
        {
            report["killed"] = new JsonObject { ["service"] = killed.Service, ["atSeconds"] = killed.At.TotalSeconds };
        }
        if (settings.Json)
        {
            Console.WriteLine(report.ToJsonString());
        }
        else
        {
            Print(report);
        }
        return exit;
    }

    /// <summary>SIGKILL, no drain: the supervisor (`up` or `demo`) restarts the service, which must resume exactly from its store.</summary>
    private static async Task KillLaterAsync(StackEndpoints stack, string service, TimeSpan at, CancellationToken cancellationToken)
    {
        await Task.Delay(at, cancellationToken);
        var pid = stack.Services.TryGetValue(service, out var endpoint)
            ? endpoint.ProcessId
            : throw new InvalidOperationException($"the stack runs no '{service}'");
        Console.Error.WriteLine($"simulate: kill -9 {service} (pid {pid}) at {at.TotalSeconds:F0} s");
        Process.GetProcessById(pid).Kill(entireProcessTree: false);
    }

    private static void Print(JsonObject report)
    {
        var table = new Table().AddColumns("", "");
        foreach (var (name, value) in report)
        {
            if (name != "invariants")
            {
                table.AddRow(Markup.Escape(name), Markup.Escape(value?.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) ?? ""));
            }
        }
        AnsiConsole.Write(table);
        var invariants = report["invariants"]!.AsObject();
        foreach (var (name, value) in invariants.Where(p => p.Key != "ok"))
        {
            var ok = value!["ok"]!.GetValue<bool>();
            AnsiConsole.MarkupLine($"{(ok ? "[green]✓[/]" : "[red]✗[/]")} {Markup.Escape(name)}: {Markup.Escape(value["detail"]!.GetValue<string>())}");
        }
    }
}
