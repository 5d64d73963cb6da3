using CsCheck;
using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Ledger;
using Clearing.Settlement.Domain.Proofs;

namespace Clearing.Settlement.Tests;

public sealed class LedgerPropertyTests
{
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly string[] Assets = ["USDC", "BTC"];
    private static readonly string[] SystemAccounts = [LedgerAccounts.External, LedgerAccounts.FeePool, LedgerAccounts.InsuranceFund, "vault:main"];

    /// <summary>Random balanced entries among traders and system accounts; some deliberately unbalanced when asked.</summary>
    private static List<LedgerEntryData> RandomLedger(Random random, bool withUnbalanced)
    {
        var traders = Enumerable.Range(0, random.Next(2, 25)).Select(i => $"acct-{i}").ToArray();
        var accounts = traders.Concat(SystemAccounts).ToArray();
        var entries = new List<LedgerEntryData>();
        var count = random.Next(1, 80);
        for (var seq = 1; seq <= count; seq++)
        {
            var asset = Assets[random.Next(Assets.Length)];
            var legs = random.Next(2, 5);
            var postings = new List<LedgerPosting>();
            var sum = 0m;
            for (var leg = 0; leg < legs - 1; leg++)
            {
                var amount = Amount(random);
                postings.Add(new LedgerPosting(accounts[random.Next(accounts.Length)], asset, amount));
                sum += amount;
            }

            var last = -sum;
            if (last == 0m)
            {
                postings.Add(new LedgerPosting(accounts[random.Next(accounts.Length)], asset, 1m));
                last = -1m;
            }

            if (withUnbalanced && random.Next(10) == 0)
            {
                last += 0.01m;
            }

            postings.Add(new LedgerPosting(accounts[random.Next(accounts.Length)], asset, last));
            var kind = (LedgerEntryKind)random.Next(1, 13);
            entries.Add(new LedgerEntryData($"e-{seq}", seq, Entries.T0 + seq, kind, postings, $"r-{seq}", ""));
        }

        return entries;
    }

    private static decimal Amount(Random random)
    {
        var units = random.NextInt64(-5_000_000_000, 5_000_000_000);
        var amount = units / (decimal)Math.Pow(10, random.Next(0, 9));
        return amount == 0m ? 1m : amount;
    }

    /// <summary>Delivery as a consumer sees it: shuffled within a window (several partitions) with repeats.</summary>
    private static List<LedgerEntryData> Deliver(Random random, List<LedgerEntryData> entries)
    {
        var delivered = new List<LedgerEntryData>();
        var pending = new List<LedgerEntryData>(entries);
        while (pending.Count > 0)
        {
            var pick = random.Next(Math.Min(6, pending.Count));
            delivered.Add(pending[pick]);
            if (random.Next(5) == 0)
            {
                delivered.Add(pending[pick]);
            }

            pending.RemoveAt(pick);
        }

        return delivered;
    }

    [Fact]
    public void any_delivery_order_with_repeats_gives_the_in_order_balances_and_every_asset_sums_to_zero()
    {
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var entries = RandomLedger(random, withUnbalanced: true);
            var inOrder = new LedgerBook();
            entries.ForEach(e => inOrder.Apply(e));
            var shuffled = new LedgerBook();
            Deliver(random, entries).ForEach(e => shuffled.Apply(e));

            shuffled.LastSequence.ShouldBe(entries.Count, $"seed {seed}");
            shuffled.OpenGap.ShouldBeNull();
            foreach (var account in inOrder.Accounts)
            {
                foreach (var line in account.Lines)
                {
                    shuffled.Balance(account.AccountId, line.Asset).ShouldBe(line.Balance, $"seed {seed}: {account.AccountId} {line.Asset}");
                }
            }

            foreach (var asset in shuffled.Assets)
            {
                shuffled.SumByAsset[asset].ShouldBe(0m, $"seed {seed}: {asset}");
            }

            shuffled.Rejections.Select(r => r.Sequence).ShouldBe(inOrder.Rejections.Select(r => r.Sequence));
            LedgerInvariants.Check(shuffled).ShouldBeEmpty($"seed {seed}");
        }, iter: 300);
    }

    [Fact]
    public void every_epoch_publishes_a_total_equal_to_the_clamped_liabilities_and_every_proof_verifies()
    {
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var entries = RandomLedger(random, withUnbalanced: false);
            var book = new LedgerBook();
            var epoch = 0L;
            var closeAt = new HashSet<int>(Enumerable.Range(0, 3).Select(_ => random.Next(entries.Count + 1)));
            for (var i = 0; i <= entries.Count; i++)
            {
                if (closeAt.Contains(i) || i == entries.Count)
                {
                    var result = EpochCloser.Close(book, epoch, 0, 1, Secret);
                    var published = result.Assets.ToDictionary(a => a.Asset, a => a.TotalLiabilities);
                    LedgerInvariants.Check(book, published).ShouldBeEmpty($"seed {seed}");
                    foreach (var asset in result.Assets)
                    {
                        var expected = book.Accounts.Where(a => LedgerAccounts.IsLiability(a.AccountId))
                            .Sum(a => Math.Max(a.Find(asset.Asset)?.Balance ?? 0m, 0m));
                        asset.TotalLiabilities.ShouldBe(expected, $"seed {seed} {asset.Asset}");
                        foreach (var account in book.Accounts.Where(a => LedgerAccounts.IsLiability(a.AccountId) && a.Find(asset.Asset) is not null))
                        {
                            var proof = asset.Tree.ProofFor(account.AccountId)!;
                            ProofVerifier.Verify(proof, asset.RootHex).Valid.ShouldBeTrue($"seed {seed} {account.AccountId}");
                        }
                    }

                    book.BeginNextEpoch();
                    epoch++;
                }

                if (i < entries.Count)
                {
                    book.Apply(entries[i]);
                }
            }
        }, iter: 100);
    }
}
