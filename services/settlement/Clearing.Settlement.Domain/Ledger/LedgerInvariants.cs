using System.Globalization;

namespace Clearing.Settlement.Domain.Ledger;

/// <summary>
/// What the clearing system owes in one asset. Liabilities are clamped at zero per account, as proof-of-liabilities
/// schemes do: an account in deficit (negative balance, e.g. after a bankruptcy the insurance fund has not yet
/// covered) is not a debt the system owes, and letting it enter the tree negative would let a prover hide liabilities
/// by netting them against made-up deficits. Deficits are reported beside the total instead, so nothing is lost.
/// </summary>
public sealed record LiabilitySummary(string Asset, decimal TotalLiabilities, decimal TotalDeficits, long Accounts, long DeficitAccounts, decimal SystemBalance)
{
    public static decimal Clamp(decimal balance) => balance > 0m ? balance : 0m;
}

/// <summary>The continuous checks: Σ postings per asset = 0, and liabilities, deficits and system books add up.</summary>
public static class LedgerInvariants
{
    public static LiabilitySummary Summarize(LedgerBook book, string asset)
    {
        ArgumentNullException.ThrowIfNull(book);
        decimal liabilities = 0m, deficits = 0m, system = 0m;
        long accounts = 0, deficitAccounts = 0;
        foreach (var account in book.Accounts)
        {
            if (account.Find(asset) is not { } line)
            {
                continue;
            }

            if (!LedgerAccounts.IsLiability(account.AccountId))
            {
                system += line.Balance;
                continue;
            }

            accounts++;
            if (line.Balance >= 0m)
            {
                liabilities += line.Balance;
            }
            else
            {
                deficits -= line.Balance;
                deficitAccounts++;
            }
        }

        return new LiabilitySummary(asset, liabilities, deficits, accounts, deficitAccounts, system);
    }

    /// <summary>
    /// Recomputes everything from the account lines and returns each broken rule, naming the asset and the figures;
    /// empty when the ledger is sound. <paramref name="publishedTotals"/> (asset → total liabilities) is what an epoch
    /// published, checked against the book.
    /// </summary>
    public static IReadOnlyList<string> Check(LedgerBook book, IReadOnlyDictionary<string, decimal>? publishedTotals = null)
    {
        ArgumentNullException.ThrowIfNull(book);
        var problems = new List<string>();
        var recomputed = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var account in book.Accounts)
        {
            var lines = account.Lines;
            for (var l = 0; l < lines.Count; l++)
            {
                var line = lines[l];
                recomputed[line.Asset] = recomputed.GetValueOrDefault(line.Asset) + line.Balance;
                var movements = line.MovementSpan;
                var expected = line.Opening;
                foreach (var m in movements)
                {
                    expected += m.Amount;
                    if (m.BalanceAfter != expected)
                    {
                        problems.Add($"{account.AccountId} {line.Asset}: movement at sequence {m.Sequence} says balance {Text(m.BalanceAfter)}, opening plus movements give {Text(expected)}");
                        break;
                    }
                }

                if (expected != line.Balance)
                {
                    problems.Add($"{account.AccountId} {line.Asset}: opening {Text(line.Opening)} plus movements is {Text(expected)}, balance is {Text(line.Balance)}");
                }
            }
        }

        foreach (var (asset, sum) in recomputed)
        {
            if (sum != 0m)
            {
                problems.Add($"{asset}: Σ of all balances is {Text(sum)}, not 0 (money created or destroyed)");
            }

            if (book.SumByAsset.GetValueOrDefault(asset) != sum)
            {
                problems.Add($"{asset}: running Σ of postings is {Text(book.SumByAsset.GetValueOrDefault(asset))}, balances add to {Text(sum)}");
            }

            var summary = Summarize(book, asset);
            if (summary.TotalLiabilities - summary.TotalDeficits + summary.SystemBalance != sum)
            {
                problems.Add($"{asset}: liabilities {Text(summary.TotalLiabilities)} − deficits {Text(summary.TotalDeficits)} + system {Text(summary.SystemBalance)} ≠ Σ balances {Text(sum)}");
            }

            if (publishedTotals is not null && publishedTotals.TryGetValue(asset, out var published) && published != summary.TotalLiabilities)
            {
                problems.Add($"{asset}: published total liabilities {Text(published)} ≠ Σ clamped liabilities {Text(summary.TotalLiabilities)}");
            }
        }

        return problems;
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
