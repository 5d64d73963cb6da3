using System.Text;
using System.Text.Json;
using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Ledger;
using Clearing.Settlement.Domain.Proofs;
using static Clearing.Settlement.Tests.Entries;

namespace Clearing.Settlement.Tests;

public sealed class EpochTests
{
    private static readonly byte[] Secret = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();

    private static LedgerBook Book()
    {
        var book = new LedgerBook();
        book.Apply(Deposit(1, "acct-1", 1000m));
        book.Apply(Deposit(2, "acct-2", 500m));
        book.BeginNextEpoch();
        book.Apply(Transfer(3, "acct-2", "acct-1", 25.5m));
        book.Apply(Transfer(4, "acct-1", LedgerAccounts.FeePool, 0.75m, LedgerEntryKind.TradingFee) with { Reference = "fill, \"42\"" });
        book.Apply(Deposit(5, "acct-1", 0.1m, "BTC"));
        return book;
    }

    [Fact]
    public void the_daily_schedule_turns_at_0800_utc()
    {
        var schedule = EpochSchedule.DailyAt0800Utc;
        var at = new DateTimeOffset(2026, 11, 25, 7, 59, 59, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;
        var epoch = schedule.EpochAt(at);
        schedule.EndOf(epoch).ShouldBe(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000);
        schedule.EpochAt(schedule.EndOf(epoch)).ShouldBe(epoch + 1);
        EpochSchedule.From(TimeSpan.FromHours(1), TimeSpan.Zero).LengthNanos.ShouldBe(3_600_000_000_000);
        Should.Throw<ArgumentOutOfRangeException>(() => EpochSchedule.From(TimeSpan.Zero, TimeSpan.Zero));
    }

    [Fact]
    public void an_epoch_close_publishes_one_tree_per_asset_over_liability_accounts_only()
    {
        var book = Book();
        var result = EpochCloser.Close(book, 3, 10, 20, Secret);

        result.FirstLedgerSequence.ShouldBe(3);
        result.LastLedgerSequence.ShouldBe(5);
        result.Assets.Select(a => a.Asset).ShouldBe(["BTC", "USDC"]);
        var usdc = result.Assets.Single(a => a.Asset == "USDC");
        usdc.TotalLiabilities.ShouldBe(1499.25m);
        usdc.Tree.LeafCount.ShouldBe(2);
        usdc.Tree.Contains(LedgerAccounts.FeePool).ShouldBeFalse();
        result.Assets.Single(a => a.Asset == "BTC").TotalLiabilities.ShouldBe(0.1m);
        ProofVerifier.Verify(usdc.Tree.ProofFor("acct-2")!, usdc.RootHex).Valid.ShouldBeTrue();
    }

    [Fact]
    public void an_account_in_deficit_has_a_zero_leaf_and_its_deficit_is_reported_beside_the_total()
    {
        var book = new LedgerBook();
        book.Apply(Deposit(1, "a", 10m));
        book.Apply(Transfer(2, "b", "a", 4m));
        var usdc = EpochCloser.Close(book, 0, 0, 1, Secret).Assets.Single();

        usdc.TotalLiabilities.ShouldBe(14m);
        usdc.Summary.TotalDeficits.ShouldBe(4m);
        usdc.Summary.DeficitAccounts.ShouldBe(1);
        var proof = usdc.Tree.ProofFor("b")!;
        proof.Liability.ShouldBe("0");
        proof.LedgerBalance.ShouldBe("-4");
        ProofVerifier.Verify(proof, usdc.RootHex).Valid.ShouldBeTrue();
    }

    [Fact]
    public void the_json_statement_lists_opening_every_movement_and_closing_per_asset()
    {
        var account = Book().Account("acct-1")!;
        using var json = JsonDocument.Parse(StatementFormats.Json(3, 10, 20, account));
        var root = json.RootElement;
        root.GetProperty("accountId").GetString().ShouldBe("acct-1");
        root.GetProperty("epoch").GetInt64().ShouldBe(3);
        var assets = root.GetProperty("assets").EnumerateArray().ToList();
        assets.Select(a => a.GetProperty("asset").GetString()).ShouldBe(["BTC", "USDC"]);
        var usdc = assets[1];
        usdc.GetProperty("opening").GetString().ShouldBe("1000");
        usdc.GetProperty("closing").GetString().ShouldBe("1024.75");
        var movements = usdc.GetProperty("movements").EnumerateArray().ToList();
        movements.Select(m => m.GetProperty("amount").GetString()).ShouldBe(["25.5", "-0.75"]);
        movements.Select(m => m.GetProperty("balanceAfter").GetString()).ShouldBe(["1025.5", "1024.75"]);
        movements[1].GetProperty("kind").GetString().ShouldBe("trading-fee");
        movements[1].GetProperty("sequence").GetInt64().ShouldBe(4);
        movements[1].GetProperty("reference").GetString().ShouldBe("fill, \"42\"");
    }

    [Fact]
    public void the_csv_statement_has_opening_movement_and_closing_rows_with_quoted_fields()
    {
        var account = Book().Account("acct-1")!;
        var rows = StatementFormats.Csv(3, account).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        rows.ShouldBe(
        [
            "3,acct-1,BTC,opening,,,,,,,,0",
            $"3,acct-1,BTC,movement,5,e-5,{T0 + 5_000_000_000},deposit,ref-5,BTC-PERP,0.1,0.1",
            "3,acct-1,BTC,closing,,,,,,,,0.1",
            "3,acct-1,USDC,opening,,,,,,,,1000",
            $"3,acct-1,USDC,movement,3,e-3,{T0 + 3_000_000_000},realized-pnl,ref-3,BTC-PERP,25.5,1025.5",
            $"3,acct-1,USDC,movement,4,e-4,{T0 + 4_000_000_000},trading-fee,\"fill, \"\"42\"\"\",BTC-PERP,-0.75,1024.75",
            "3,acct-1,USDC,closing,,,,,,,,1024.75",
        ]);
        StatementFormats.CsvHeader.Split(',').Length.ShouldBe(rows[0].Split(',').Length);
    }

    [Fact]
    public void the_open_epoch_counts_rejections_in_its_range_only()
    {
        var book = new LedgerBook();
        book.Apply(Entry(1, LedgerEntryKind.Deposit, ("a", "USDC", 1m), ("b", "USDC", 1m)));
        book.BeginNextEpoch();
        book.Apply(Entry(2, LedgerEntryKind.Deposit, ("a", "USDC", 2m), ("b", "USDC", 1m)));
        EpochCloser.Close(book, 1, 0, 1, Secret).Rejections.Select(r => r.Sequence).ShouldBe([2L]);
    }

    [Fact]
    public void the_batch_writer_puts_every_account_in_one_shard_as_one_json_line_and_its_csv_rows_the_same_way_every_run()
    {
        string[] Run()
        {
            var json = new MemoryStream[3];
            var csv = new MemoryStream[3];
            var written = StatementBatchWriter.Write(Book(), 3, 10, 20, 3, shard => new StatementShardTargets(json[shard] = new MemoryStream(), csv[shard] = new MemoryStream()));
            written.ShouldBe(4);
            return [.. json.Select(m => Encoding.UTF8.GetString(m.ToArray())), .. csv.Select(m => Encoding.UTF8.GetString(m.ToArray()))];
        }

        var first = Run();
        first.ShouldBe(Run());
        var lines = first.Take(3).SelectMany(t => t.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        lines.Count.ShouldBe(4);
        var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("accountId").GetString()).ToList();
        ids.ShouldBe(["acct-1", "acct-2", LedgerAccounts.External, LedgerAccounts.FeePool], ignoreOrder: true);
        foreach (var id in ids)
        {
            var shard = StatementBatchWriter.ShardOf(id!, 3);
            first[shard].ShouldContain($"\"accountId\":\"{id}\"");
            first[3 + shard].ShouldContain($",{id},USDC,closing,");
        }

        first.Skip(3).ShouldAllBe(csv => csv.StartsWith(StatementFormats.CsvHeader + "\n"));
    }
}
