using System.Text;
using System.Text.Json;
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

    /// <summary>Writes all statements; <paramref name="open"/> is called once per shard and the streams are disposed after.</summary>
    public static long Write(LedgerBook book, long epoch, long startUnixNanos, long endUnixNanos, int shards, Func<int, StatementShardTargets> open)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(open);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
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
                using (var json = new Utf8JsonWriter(targets.Json, new JsonWriterOptions { SkipValidation = true }))
                {
                    foreach (var account in accounts)
                    {
                        StatementFormats.WriteJson(json, epoch, startUnixNanos, endUnixNanos, account);
                        json.Flush();
                        targets.Json.WriteByte((byte)'\n');
                        json.Reset(); // one JSON document per line: no list separator before the next account
                    }
                }

                using var csv = new StreamWriter(targets.Csv, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16) { NewLine = "\n" };
                csv.WriteLine(StatementFormats.CsvHeader);
                foreach (var account in accounts)
                {
                    StatementFormats.WriteCsv(csv, epoch, account);
                }
            }

            Interlocked.Add(ref written, accounts.Count);
        });

        return written;
    }
}
