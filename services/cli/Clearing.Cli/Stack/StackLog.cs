namespace Clearing.Cli.Stack;

/// <summary>Writes "[service] line" so interleaved logs stay readable; one lock keeps lines whole.</summary>
internal sealed class StackLog(bool quiet)
{
    private readonly Lock _gate = new();

    public void Line(string source, string text, bool isError)
    {
        if (quiet && !isError && !text.Contains("warn", StringComparison.OrdinalIgnoreCase) && !text.Contains("fail", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        lock (_gate)
        {
            (isError ? Console.Error : Console.Out).WriteLine($"[{source,-13}] {text}");
        }
    }

    /// <summary>The supervisor's own lines always show, even with --quiet.</summary>
    public void Info(string source, string text)
    {
        lock (_gate)
        {
            Console.Out.WriteLine($"[{source,-13}] {text}");
        }
    }

    public void Error(string source, string text) => Line(source, text, true);
}
