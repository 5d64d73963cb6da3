namespace Clearing.EventSourcing;

/// <summary>An append whose expected version did not match: nothing of that append was written.</summary>
public sealed class WrongExpectedVersionException : Exception
{
    public WrongExpectedVersionException(string streamId, ExpectedVersion expected, long actual)
        : base($"Stream '{streamId}': expected version {expected}, actual version {(actual < 0 ? "no-stream" : actual)}.")
    {
        StreamId = streamId;
        Expected = expected;
        ActualVersion = actual;
    }

    public string StreamId { get; }

    public ExpectedVersion Expected { get; }

    /// <summary>The stream's version when the append was refused; -1 when the stream does not exist.</summary>
    public long ActualVersion { get; }
}
