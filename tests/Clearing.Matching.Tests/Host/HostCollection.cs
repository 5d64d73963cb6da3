namespace Clearing.Matching.Tests.Host;

/// <summary>
/// The heavy host tests (thousands of commands, a SQLite store, two OS processes and a broker) run on their own, after
/// the parallel ones: alongside them, timing-sensitive engine tests (the allocation test's tier-up) would measure
/// this suite's load instead of the engine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostCollection
{
    public const string Name = "matching-host";
}
