namespace Clearing.Cli.Commands.Replay;

/// <summary>The services `clearing replay` can fold and rebuild; others get event listings, counts and raw republishing.</summary>
internal static class ReplayModules
{
    private static readonly Dictionary<string, Func<IReplayModule>> Known = new(StringComparer.Ordinal)
    {
        ["margin"] = () => new Margin.MarginReplayModule(),
    };

    public static IReplayModule? For(string service) => Known.TryGetValue(service, out var create) ? create() : null;
}
