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
if (args is ["margin-e2e", ..])
{
    return Clearing.Benchmarks.Margin.PriceTickToRiskEventRunner.Run(args[1..]);
}
// Reports go beside the build output, not into whatever directory the command was started from (the repository root).
var config = BenchmarkDotNet.Configs.ManualConfig.Create(BenchmarkDotNet.Configs.DefaultConfig.Instance).WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
