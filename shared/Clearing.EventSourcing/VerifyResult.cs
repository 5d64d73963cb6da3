namespace Clearing.EventSourcing;

/// <summary>The outcome of re-computing hash chains; <see cref="FirstBroken"/> names the stream and version.</summary>
public sealed record VerifyResult(long EventsChecked, long StreamsChecked, BrokenLink? FirstBroken)
{
    public bool IsIntact => FirstBroken is null;
}

public sealed record BrokenLink(string StreamId, long StreamVersion, long GlobalPosition, string Reason);
