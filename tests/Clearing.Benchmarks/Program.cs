using BenchmarkDotNet.Running;

// `dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*EventStore*'` runs one area;
// each area lives in its own folder and compares against a baseline measured in the same run.
if (args is ["matching", ..])
{
    return Clearing.Benchmarks.Matching.MatchingLatencyRunner.Run(args[1..]);
}
if (args is ["matching-e2e", ..])
{
    return Clearing.Benchmarks.Matching.MatchingEndToEndRunner.Run(args[1..]);
}
if (args is ["replay-store", var dataDirectory, ..])
{
    // A `clearing up`-shaped data directory holding a generated margin store, for timing `clearing replay` by hand.
    // replay-store <data-dir> [fills] [--with-ledger-main]
    var numbers = args[2..].Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
    var events = await Clearing.Benchmarks.Replay.MarginHistory.GenerateAsync(Path.Combine(dataDirectory, "margin", "events.db"),
        Clearing.Benchmarks.Replay.MarginHistory.Accounts, numbers.Length > 0 ? int.Parse(numbers[0], System.Globalization.CultureInfo.InvariantCulture) : Clearing.Benchmarks.Replay.MarginHistory.Fills,
        withLedgerMain: args.Contains("--with-ledger-main"));
    Console.WriteLine($"{events:N0} margin events in {Path.Combine(dataDirectory, "margin", "events.db")}");
    return 0;
}
if (args is ["replay-cpu", ..])
{
    return await Clearing.Benchmarks.Replay.ReplayCpuRunner.RunAsync(args[1..]);
}
if (args is ["stack-floor", ..])
{
    return Clearing.Benchmarks.Stack.StackFloorRunner.Run(args[1..]);
}
if (args is ["margin-e2e", ..])
{
    return Clearing.Benchmarks.Margin.PriceTickToRiskEventRunner.Run(args[1..]);
}
// Reports go beside the build output, not into whatever directory the command was started from (the repository root).
var config = BenchmarkDotNet.Configs.ManualConfig.Create(BenchmarkDotNet.Configs.DefaultConfig.Instance).WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
