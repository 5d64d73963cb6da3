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
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
