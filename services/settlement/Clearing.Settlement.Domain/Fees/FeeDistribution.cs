using System.Globalization;
using Clearing.Primitives.Accounts;
using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Domain.Fees;

/// <summary>One recipient of the fee pool and its fraction.</summary>
public sealed record FeeShare(string AccountId, decimal Fraction);

/// <summary>A recipient's amount in one distribution.</summary>
public sealed record FeeAllocation(string AccountId, decimal Amount);

/// <summary>
/// Splits the fee pool at an epoch end by configured shares. Settlement only decides the split and publishes it as
/// FeesDistributed; margin books it as a FEE_DISTRIBUTION ledger entry debiting "system:fee-pool". Until margin has
/// booked a distribution, its amount is still in the pool's balance, so what may be distributed is the pool balance
/// less what was announced and not yet booked: a slow margin never causes a double payout.
/// </summary>
public sealed class FeeDistributionPolicy
{
    public FeeDistributionPolicy(IReadOnlyList<FeeShare> shares, int decimals)
    {
        ArgumentNullException.ThrowIfNull(shares);
        var problems = Validate(shares, decimals);
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid fee distribution: " + string.Join("; ", problems), nameof(shares));
        }

        Shares = [.. shares];
        Decimals = decimals;
    }

    /// <summary>
    /// Half to the insurance fund (it absorbs bankruptcies, the first line after the book), 30% treasury, 20% the LP vault's
    /// trading account (vault-hlp): real money in margin, which the vault counts as fee income when it reads the entry.
    /// </summary>
    public static FeeDistributionPolicy Default { get; } = new(
        [new FeeShare(LedgerAccounts.InsuranceFund, 0.5m), new FeeShare(LedgerAccounts.Treasury, 0.3m), new FeeShare(VaultAccounts.DefaultAccountId, 0.2m)],
        decimals: 8);

    public IReadOnlyList<FeeShare> Shares { get; }

    /// <summary>Amounts are cut to this many decimals; the dust goes to the first share.</summary>
    public int Decimals { get; }

    public static IReadOnlyList<string> Validate(IReadOnlyList<FeeShare> shares, int decimals)
    {
        var problems = new List<string>();
        if (decimals is < 0 or > 18)
        {
            problems.Add($"Decimals {decimals} must be in [0, 18]");
        }

        if (shares.Count == 0)
        {
            problems.Add("at least one share is needed");
            return problems;
        }

        for (var i = 0; i < shares.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(shares[i].AccountId))
            {
                problems.Add($"share {i}: AccountId is required");
            }
            else if (shares[i].AccountId == LedgerAccounts.FeePool)
            {
                problems.Add($"share {i}: the fee pool cannot be paid to itself");
            }

            if (shares[i].Fraction <= 0m)
            {
                problems.Add($"share {i} ({shares[i].AccountId}): Fraction must be > 0");
            }
        }

        if (shares.Select(s => s.AccountId).Distinct(StringComparer.Ordinal).Count() != shares.Count)
        {
            problems.Add("each account may appear once");
        }

        var total = shares.Sum(s => s.Fraction);
        if (total != 1m)
        {
            problems.Add($"fractions sum to {total.ToString(CultureInfo.InvariantCulture)}, not 1");
        }

        return problems;
    }

    /// <summary>What may be distributed now: the pool balance less announced-but-unbooked distributions; never negative.</summary>
    public static decimal Distributable(decimal poolBalance, decimal announcedTotal, decimal bookedTotal)
    {
        var pending = announcedTotal - bookedTotal;
        var free = poolBalance - Math.Max(pending, 0m);
        return free > 0m ? free : 0m;
    }

    /// <summary>Splits <paramref name="amount"/> exactly: Σ allocations = amount, each share cut down to <see cref="Decimals"/>.</summary>
    public IReadOnlyList<FeeAllocation> Split(decimal amount)
    {
        if (amount < 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "cannot distribute a negative amount");
        }

        var amounts = Shares.Select(s => decimal.Round(amount * s.Fraction, Decimals, MidpointRounding.ToZero)).ToArray();
        amounts[0] += amount - amounts.Sum();
        return [.. Shares.Select((s, i) => new FeeAllocation(s.AccountId, amounts[i]))];
    }
}

/// <summary>
/// The share of liquidation fees paid to the LP vault. Liquidation fees are charged into the insurance fund (margin's
/// LIQUIDATION_FEE entries); at each epoch end settlement pays <see cref="Fraction"/> of those collected since the last
/// share out of the fund into <see cref="AccountId"/> (a FEE_DISTRIBUTION entry margin books on that account), the same
/// path and the same moment as the fee pool's split: one policy, one kind of entry, money the vault holds before it counts
/// it. Default 50% to vault-hlp: the vault backstops liquidations before the fund, so it is paid like the fund for them.
/// The fund's solvency comes first: a share is cut to what the fund holds beyond the shares already announced, and the
/// part cut stays in the fund.
/// </summary>
public sealed record LiquidationFeeSharePolicy(string AccountId, decimal Fraction, int Decimals)
{
    public static LiquidationFeeSharePolicy Default { get; } = new(VaultAccounts.DefaultAccountId, 0.5m, 8);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Fraction is < 0m or > 1m)
        {
            problems.Add($"LiquidationShare {Fraction.ToString(CultureInfo.InvariantCulture)} must be in [0, 1]");
        }

        if (Fraction > 0m && string.IsNullOrWhiteSpace(AccountId))
        {
            problems.Add("LiquidationShareAccount is required when LiquidationShare is above 0");
        }
        else if (AccountId is LedgerAccounts.InsuranceFund or LedgerAccounts.FeePool)
        {
            problems.Add($"LiquidationShareAccount cannot be {AccountId}: the share is paid out of the insurance fund to someone else");
        }

        if (Decimals is < 0 or > 18)
        {
            problems.Add($"Decimals {Decimals} must be in [0, 18]");
        }

        return problems;
    }

    /// <summary>
    /// The share of <paramref name="unsharedFees"/> (liquidation fees not yet shared), cut down to <see cref="Decimals"/>
    /// and to <paramref name="fundFree"/> (what the fund holds beyond announced shares); 0 when nothing is due.
    /// </summary>
    public decimal Due(decimal unsharedFees, decimal fundFree)
    {
        if (unsharedFees <= 0m || Fraction == 0m)
        {
            return 0m;
        }

        var share = decimal.Round(unsharedFees * Fraction, Decimals, MidpointRounding.ToZero);
        return Math.Max(0m, Math.Min(share, decimal.Round(fundFree, Decimals, MidpointRounding.ToZero)));
    }
}
