using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Domain.Epochs;

/// <summary>Where one shard of statements goes: the host opens files, tests and benchmarks may pass memory.</summary>
public sealed record StatementShardTargets(Stream Json, Stream Csv);

/// <summary>
/// Writes every account's statement of an epoch into <c>shards</c> pairs of streams (JSON lines and CSV), an account
/// always in shard <see cref="ShardOf"/>. Shards rather than a file per account: a million accounts would be two
/// million files, which costs more in file-system metadata than in writing; a shard is written start to end by one
/// thread, and the shards run in parallel. Within a shard, accounts are in ordinal order of id, so the output is the
/// same byte for byte on every run.
/// </summary>
public static class StatementBatchWriter
{
    public static int ShardOf(string accountId, int shards)
    {
        // FNV-1a: stable across processes and runtimes (string.GetHashCode is randomized per process).
        var hash = 2166136261u;
        foreach (var c in accountId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)shards);
    }

    /// <summary>Bytes each shard's JSON and CSV buffer holds before it goes to its stream.</summary>
    public const int DefaultBufferBytes = 1 << 20;

    /// <summary>
    /// Writes all statements; <paramref name="open"/> is called once per shard and the streams are disposed after.
    /// Each account is rendered once into both formats (<see cref="StatementRenderer"/>) and the bytes stream out
    /// through <paramref name="bufferBytes"/>-sized buffers, however many movements an account has.
    /// </summary>
    public static long Write(LedgerBook book, long epoch, long startUnixNanos, long endUnixNanos, int shards, Func<int, StatementShardTargets> open, int bufferBytes = DefaultBufferBytes)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1);
        var byShard = new List<AccountBook>[shards];
        for (var s = 0; s < shards; s++)
        {
            byShard[s] = [];
        }

        foreach (var account in book.Accounts)
        {
            byShard[ShardOf(account.AccountId, shards)].Add(account);
        }

        var written = 0L;
        Parallel.For(0, shards, s =>
        {
            var accounts = byShard[s];
            accounts.Sort(static (a, b) => string.CompareOrdinal(a.AccountId, b.AccountId));
            var targets = open(s);
            using (targets.Json)
            using (targets.Csv)
            {
                using var json = new ByteSink(targets.Json, bufferBytes);
                using var csv = new ByteSink(targets.Csv, bufferBytes);
                var renderer = new StatementRenderer(json, csv, epoch, startUnixNanos, endUnixNanos);
                renderer.CsvHeader();
                foreach (var account in accounts)
                {
                    renderer.Account(account);
                }
            }

            Interlocked.Add(ref written, accounts.Count);
        });

        return written;
    }
}
