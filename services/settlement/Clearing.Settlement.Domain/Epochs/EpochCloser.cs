using Clearing.Settlement.Domain.Ledger;
using Clearing.Settlement.Domain.Proofs;

namespace Clearing.Settlement.Domain.Epochs;

/// <summary>One asset's part of an epoch close: its tree (root and total) and the deficits reported beside it.</summary>
public sealed record EpochAssetClose(string Asset, MerkleSumTree Tree, LiabilitySummary Summary)
{
    public string RootHex => Tree.RootHex;

    public decimal TotalLiabilities => Tree.Total;
}

/// <summary>The outcome of closing an epoch: one tree per asset, the sequences it covers and the problems found.</summary>
public sealed record EpochCloseResult(
    long Epoch,
    long StartUnixNanos,
    long EndUnixNanos,
    long FirstLedgerSequence,
    long LastLedgerSequence,
    IReadOnlyList<EpochAssetClose> Assets,
    IReadOnlyList<LedgerRejection> Rejections);

/// <summary>Refused to close an epoch: the books do not add up, so no root may be published.</summary>
public sealed class EpochCloseRefusedException(string message) : InvalidOperationException(message);

/// <summary>
/// Builds an epoch's proof of liabilities from the ledger as it stands. An epoch covers the ledger sequences applied
/// while it was open (<see cref="LedgerBook.EpochFirstSequence"/> to <see cref="LedgerBook.LastSequence"/>); an entry
/// that arrives after the close lands in the next epoch whatever its timestamp, so what an epoch covers is exactly
/// the published sequence range and anyone can reproduce it from the ledger topic.
/// </summary>
public static class EpochCloser
{
    public static EpochCloseResult Close(LedgerBook book, long epoch, long startUnixNanos, long endUnixNanos, ReadOnlySpan<byte> saltSecret)
    {
        ArgumentNullException.ThrowIfNull(book);
        var problems = LedgerInvariants.Check(book);
        if (problems.Count > 0)
        {
            throw new EpochCloseRefusedException($"epoch {epoch} cannot close, the ledger does not balance: {string.Join("; ", problems)}");
        }

        var assets = new List<EpochAssetClose>();
        foreach (var asset in book.Assets)
        {
            var leaves = new List<LiabilityLeafInput>(book.AccountCount);
            foreach (var account in book.Accounts)
            {
                if (LedgerAccounts.IsLiability(account.AccountId) && account.Find(asset) is { } line)
                {
                    leaves.Add(new LiabilityLeafInput(account.AccountId, LiabilitySummary.Clamp(line.Balance), line.Balance));
                }
            }

            var tree = MerkleSumTree.Build(epoch, asset, leaves, saltSecret);
            var summary = LedgerInvariants.Summarize(book, asset);
            if (tree.Total != summary.TotalLiabilities)
            {
                throw new EpochCloseRefusedException($"epoch {epoch} {asset}: tree total {tree.Total} differs from Σ clamped liabilities {summary.TotalLiabilities}");
            }

            assets.Add(new EpochAssetClose(asset, tree, summary));
        }

        return new EpochCloseResult(epoch, startUnixNanos, endUnixNanos, book.EpochFirstSequence, book.LastSequence, assets, [.. book.EpochRejections]);
    }
}
