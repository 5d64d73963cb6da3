namespace Clearing.Cli.Commands.Replay;

/// <summary>
/// A projection whose live read model is itself a stream of the store being replayed (margin's ledger-main): the fold's
/// scan of $all passes over that stream's events anyway, so the projection keeps them as it goes and the diff compares
/// with what it kept, instead of reading and decoding the stream a second time (a third of a large margin replay's time).
/// The runner asks only when the fold read $all from its first position to the head; the live side is then the stream as
/// of that head (a projection writing it meanwhile does not move the diff's target).
/// </summary>
internal interface ICapturesLiveRows
{
    /// <summary>The diff of the rebuilt rows against the captured live ones, as <see cref="ReplayRunner.DiffInKeyOrderAsync"/> would report it.</summary>
    ReplayRunner.DiffResult DiffWithCaptured(int maxListed);
}
