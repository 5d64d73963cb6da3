using System.Security.Cryptography;
using System.Text;
using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Tests;

/// <summary>
/// The epoch close was rewritten for speed; these pin its output: the statement bytes equal the previous writer's
/// (<see cref="ReferenceStatements"/>) shard for shard, and the roots equal those the previous tree build published.
/// </summary>
public sealed class StatementBytesTests
{
    private static readonly byte[] Secret = SHA256.HashData("statement bytes"u8);

    // Every ASCII character, characters JSON escapes by default (HTML-sensitive ones, controls), characters CSV quotes,
    // non-ASCII letters and a surrogate pair: wherever a string reaches a statement.
    private static readonly string[] Awkward =
    [
        "plain", "", "with,comma", "with \"quote\"", "line\nbreak", "cr\rlf", "tab\there", "<tag>&amp;'apos'+plus`tick`",
        "back\\slash", "café", "日本", "emoji 😀", "\u007f\u0001", string.Concat(Enumerable.Range(0, 128).Select(i => (char)i)),
    ];

    internal static LedgerBook AwkwardBook(int seed, int accounts, int entries, int busyMovements)
    {
        var random = new Random(seed);
        var book = new LedgerBook();
        var ids = Enumerable.Range(0, accounts).Select(i => i < Awkward.Length && Awkward[i].Length > 0 ? $"{Awkward[i]}-{i}" : $"acct-{i}").ToArray();
        var assets = new[] { "USDC", "BTC", "E,TH" };
        var kinds = Enum.GetValues<LedgerEntryKind>();
        var sequence = 0L;
        void Post(string from, string to, string asset, decimal amount, LedgerEntryKind kind)
        {
            sequence++;
            book.Apply(new LedgerEntryData(
                $"e-{sequence}{Awkward[random.Next(Awkward.Length)]}",
                sequence,
                sequence * 1_000_000_007L,
                kind,
                [new LedgerPosting(from, asset, -amount), new LedgerPosting(to, asset, amount)],
                Awkward[random.Next(Awkward.Length)],
                random.Next(3) == 0 ? string.Empty : Awkward[random.Next(Awkward.Length)]));
        }

        decimal Amount() => random.Next(4) switch
        {
            0 => random.Next(1, 1_000_000) / 100m,
            1 => new decimal(random.Next(1, 1000), 0, 0, false, (byte)random.Next(0, 12)),
            2 => 1.50m * random.Next(1, 50),
            _ => new decimal(random.Next(), random.Next(0, 1 << 30), 0, false, 18),
        };

        foreach (var id in ids)
        {
            Post(LedgerAccounts.External, id, assets[random.Next(assets.Length)], Amount(), LedgerEntryKind.Deposit);
        }

        book.BeginNextEpoch();
        for (var i = 0; i < entries; i++)
        {
            var from = random.Next(5) == 0 ? LedgerAccounts.FeePool : ids[random.Next(ids.Length)];
            Post(from, ids[random.Next(ids.Length)], assets[random.Next(assets.Length)], Amount(), kinds[random.Next(kinds.Length)]);
        }

        for (var i = 0; i < busyMovements; i++)
        {
            Post(ids[random.Next(ids.Length)], LedgerAccounts.InsuranceFund, "USDC", Amount(), LedgerEntryKind.InsuranceTransfer);
        }

        return book;
    }

    private static (byte[][] Json, byte[][] Csv) Fast(LedgerBook book, int shards, int bufferBytes)
    {
        var json = new MemoryStream[shards];
        var csv = new MemoryStream[shards];
        var written = StatementBatchWriter.Write(book, 5, 100, 200, shards, s => new StatementShardTargets(json[s] = new MemoryStream(), csv[s] = new MemoryStream()), bufferBytes);
        written.ShouldBe(book.AccountCount);
        return ([.. json.Select(m => m.ToArray())], [.. csv.Select(m => m.ToArray())]);
    }

    [Theory]
    [InlineData(1, 1, 1 << 20)]
    [InlineData(2, 3, 1 << 20)]
    [InlineData(3, 7, 256)]
    public void the_statement_bytes_are_those_of_the_previous_writer_in_every_shard(int seed, int shards, int bufferBytes)
    {
        var book = AwkwardBook(seed, accounts: 40, entries: 600, busyMovements: 3000);
        var expected = ReferenceStatements.Write(book, 5, 100, 200, shards);
        var actual = Fast(book, shards, bufferBytes);

        for (var s = 0; s < shards; s++)
        {
            Encoding.UTF8.GetString(actual.Json[s]).ShouldBe(Encoding.UTF8.GetString(expected.Json[s]));
            actual.Json[s].ShouldBe(expected.Json[s]);
            Encoding.UTF8.GetString(actual.Csv[s]).ShouldBe(Encoding.UTF8.GetString(expected.Csv[s]));
            actual.Csv[s].ShouldBe(expected.Csv[s]);
        }
    }

    [Fact]
    public void a_statement_of_one_account_is_the_same_whole_or_streamed_through_a_small_buffer()
    {
        var book = AwkwardBook(9, accounts: 5, entries: 50, busyMovements: 2000);
        var streamed = Fast(book, 2, 64);
        var whole = Fast(book, 2, 1 << 20);
        for (var s = 0; s < 2; s++)
        {
            streamed.Json[s].ShouldBe(whole.Json[s]);
            streamed.Csv[s].ShouldBe(whole.Csv[s]);
        }

        whole.Json.Sum(j => j.Length).ShouldBeGreaterThan(2000 * 100);
    }

    [Fact]
    public void the_roots_are_those_the_previous_tree_build_published()
    {
        var book = AwkwardBook(4, accounts: 3000, entries: 5000, busyMovements: 100);
        var close = EpochCloser.Close(book, 11, 0, 1, Secret);
        string.Join(" ", close.Assets.Select(a => $"{a.Asset}:{a.RootHex}:{a.TotalLiabilities}")).ShouldBe(
            "BTC:641b3912a74520abcffd6211398610add47a755951210a70aa3338dc7c8e260a:3177098.754162214154158715 " +
            "E,TH:b656a8c7466fe06ddb5bfb022fdd3c454b9a479554712851d948515e01f27dc1:3109106.003982367960486970 " +
            "USDC:67ed074a787ac38a66f0564ed647c785b00dc72b2d032fb1a01f4c5e7bbd4e32:3036704.495933519486025681");
    }

    [Fact]
    public void decimal_text_is_the_invariant_culture_text_of_every_scale_sign_and_width()
    {
        var random = new Random(17);
        var values = new List<decimal> { 0m, 0.00m, -0m, 1m, -1m, 1.50m, 0.001m, -0.5m, decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, ulong.MaxValue, -(decimal)ulong.MaxValue, (decimal)ulong.MaxValue + 1 };
        for (var i = 0; i < 20_000; i++)
        {
            values.Add(new decimal(random.Next(), random.Next(4) == 0 ? random.Next() : 0, random.Next(8) == 0 ? random.Next() : 0, random.Next(2) == 0, (byte)random.Next(0, 29)));
        }

        Span<byte> buffer = stackalloc byte[DecimalText.MaxBytes];
        foreach (var value in values)
        {
            var written = DecimalText.Write(value, buffer);
            Encoding.ASCII.GetString(buffer[..written]).ShouldBe(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
