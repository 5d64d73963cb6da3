using System.Collections.Concurrent;

namespace Clearing.Matching.Application;

/// <summary>
/// Halts stored by <see cref="MarketHalts"/> on their way into the books. The gRPC call returns once the halt is in
/// its own stream; the processor drains this queue before its next batch, and on start-up re-reads the halt streams,
/// so a halt stored just before a crash still reaches its book.
/// </summary>
public sealed class HaltFeed
{
    private readonly ConcurrentQueue<(string Market, HaltInput Halt)> _queue = new();

    public void Enqueue(string market, HaltInput halt) => _queue.Enqueue((market, halt));

    public bool TryDequeue(out (string Market, HaltInput Halt) item) => _queue.TryDequeue(out item);
}
