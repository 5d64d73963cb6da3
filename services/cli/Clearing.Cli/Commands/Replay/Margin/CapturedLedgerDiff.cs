using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// The ledger diff when ledger-main was captured during the fold: the rebuilt and the live ledger are both in memory,
/// sharing one names table, so rows are compared field by field (<see cref="CompactLedger.SameRow"/>) instead of being
/// written as JSON on both sides and compared as text. It reports what <see cref="ReplayRunner.DiffInKeyOrderAsync"/>
/// reports for the same rows: a merge by key (missing on either side, or different content), every difference counted,
/// the first ones listed as JSON rows with the fields that differ, and a side whose keys do not go strictly up fails.
/// </summary>
internal static class CapturedLedgerDiff
{
    public static ReplayRunner.DiffResult Diff(string projection, CompactLedger rebuilt, CompactLedger live, int maxListed)
    {
        EnsureKeyOrder(projection, "rebuilt", rebuilt);
        EnsureKeyOrder(projection, "live", live);
        var listed = new List<JsonObject>();
        long count = 0;
        int i = 0, j = 0;
        while (i < rebuilt.Count || j < live.Count)
        {
            var order = i == rebuilt.Count ? 1 : j == live.Count ? -1 : CompareKeys(rebuilt.SequenceAt(i), live.SequenceAt(j));
            if (order == 0 && CompactLedger.SameRow(rebuilt, i, live, j))
            {
                i++;
                j++;
                continue;
            }
            count++;
            if (listed.Count < maxListed)
            {
                var key = MarginRows.LedgerKey(order <= 0 ? rebuilt.SequenceAt(i) : live.SequenceAt(j));
                listed.Add(ReplayRunner.Difference(key, order <= 0 ? Row(rebuilt, i) : null, order >= 0 ? Row(live, j) : null));
            }
            if (order <= 0)
            {
                i++;
            }
            if (order >= 0)
            {
                j++;
            }
        }
        return new ReplayRunner.DiffResult(count, rebuilt.Count, live.Count, listed);
    }

    /// <summary>
    /// The order of the two rows' keys (<see cref="MarginRows.LedgerKey"/>) as the text merge orders them (ordinal): the
    /// numbers' order while both fit the ten zero-padded digits, the keys' text otherwise (a negative or huge sequence).
    /// </summary>
    private static int CompareKeys(long a, long b) =>
        Padded(a) && Padded(b) ? a.CompareTo(b) : string.CompareOrdinal(MarginRows.LedgerKey(a), MarginRows.LedgerKey(b));

    private static bool Padded(long sequence) => sequence is >= 0 and < 10_000_000_000;

    private static void EnsureKeyOrder(string projection, string side, CompactLedger ledger)
    {
        for (var i = 1; i < ledger.Count; i++)
        {
            if (CompareKeys(ledger.SequenceAt(i - 1), ledger.SequenceAt(i)) >= 0)
            {
                throw new InvalidDataException($"{projection}: the {side} rows are not in key order ('{MarginRows.LedgerKey(ledger.SequenceAt(i))}' after " +
                    $"'{MarginRows.LedgerKey(ledger.SequenceAt(i - 1))}'); the diff needs each key once, in ordinal order.");
            }
        }
    }

    private static JsonNode Row(CompactLedger ledger, int index)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ledger.WriteRow(index, writer);
        }
        return JsonNode.Parse(buffer.WrittenSpan)!;
    }
}
