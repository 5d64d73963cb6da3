using System.Threading.Channels;

namespace Clearing.Cli.Commands.Replay;

/// <summary>
/// Runs a row sequence on a stage of its own, a few batches ahead of its consumer: the diff reads the live rows (for
/// margin's ledger: ledger-main read and deserialized, every row written as text) on one core while it produces and
/// compares the rebuilt rows on the other. Rows are copied into batch buffers (a source may reuse its buffer, see
/// <see cref="ReplayRow"/>), and a batch's buffer is reused once the consumer has moved past all of its rows.
/// A failure of the source ends the sequence with that exception.
/// </summary>
internal static class RowPrefetch
{
    private const int RowsPerBatch = 512;
    private const int BatchesAhead = 4;

    public static async IAsyncEnumerable<ReplayRow> RunAheadAsync(IAsyncEnumerable<ReplayRow> rows,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var full = Channel.CreateBounded<RowBatch>(new BoundedChannelOptions(BatchesAhead)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var spare = Channel.CreateUnbounded<RowBatch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producing = Task.Run(async () =>
        {
            try
            {
                var batch = new RowBatch();
                await foreach (var row in rows.WithCancellation(stop.Token))
                {
                    batch.Add(row);
                    if (batch.Count == RowsPerBatch)
                    {
                        await full.Writer.WriteAsync(batch, stop.Token);
                        batch = spare.Reader.TryRead(out var reused) ? reused : new RowBatch();
                        batch.Clear();
                    }
                }
                if (batch.Count > 0)
                {
                    await full.Writer.WriteAsync(batch, stop.Token);
                }
                full.Writer.Complete();
            }
            catch (Exception ex)
            {
                // Handed to the consumer, which rethrows it from its read of the channel.
                full.Writer.TryComplete(ex);
            }
        }, CancellationToken.None);
        try
        {
            RowBatch? previous = null;
            await foreach (var batch in full.Reader.ReadAllAsync(cancellationToken))
            {
                if (previous is not null)
                {
                    spare.Writer.TryWrite(previous);
                }
                for (var i = 0; i < batch.Count; i++)
                {
                    yield return batch.Row(i);
                }
                previous = batch;
            }
        }
        finally
        {
            // Done, failed or abandoned by the consumer: stop the stage and wait until it lets go of its source.
            await stop.CancelAsync();
            await producing;
        }
    }

    private sealed class RowBatch
    {
        private readonly string[] _keys = new string[RowsPerBatch];
        private readonly int[] _ends = new int[RowsPerBatch];
        private byte[] _bytes = new byte[RowsPerBatch * 512];

        public int Count { get; private set; }

        public void Clear() => Count = 0;

        public void Add(ReplayRow row)
        {
            var start = Count == 0 ? 0 : _ends[Count - 1];
            var end = start + row.Json.Length;
            if (end > _bytes.Length)
            {
                Array.Resize(ref _bytes, Math.Max(end, _bytes.Length * 2));
            }
            row.Json.Span.CopyTo(_bytes.AsSpan(start));
            _keys[Count] = row.Key;
            _ends[Count] = end;
            Count++;
        }

        public ReplayRow Row(int index)
        {
            var start = index == 0 ? 0 : _ends[index - 1];
            return new ReplayRow(_keys[index], _bytes.AsMemory(start, _ends[index] - start));
        }
    }
}
