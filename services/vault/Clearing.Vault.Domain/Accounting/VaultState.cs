using System.Collections.Immutable;
using Clearing.Primitives.Inbox;

namespace Clearing.Vault.Domain.Accounting;

/// <summary>
/// The state of stream "vault-{id}". Positions are kept as signed size and cost basis (Σ signed quantity × price of the
/// open part), so unrealized PnL at a mark is size × mark − cost, exactly, with no average price to round.
/// </summary>
public sealed record VaultState
{
    public required string VaultId { get; init; }

    public string Asset { get; init; } = "USDC";

    /// <summary>Money in the vault's ledger account (vault:{id}): deposits, realized PnL, fee income, funding, minus payouts, fees and liquidation fees paid.</summary>
    public decimal Collateral { get; init; }

    /// <summary>Trading fees the vault's own fills were charged and it has not paid yet: a liability, so NAV subtracts it.</summary>
    public decimal FeesOwed { get; init; }

    public decimal TotalShares { get; init; }

    public ImmutableSortedDictionary<string, LpHolding> Holdings { get; init; } = ImmutableSortedDictionary.Create<string, LpHolding>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, VaultPosition> Positions { get; init; } = ImmutableSortedDictionary.Create<string, VaultPosition>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, PendingWithdrawal> Withdrawals { get; init; } = ImmutableSortedDictionary.Create<string, PendingWithdrawal>(StringComparer.Ordinal);

    public int WithdrawalRequests { get; init; }

    public ImmutableSortedSet<string> DepositReferences { get; init; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);

    /// <summary>Fee income per share since the start (rounded down at <see cref="AccumulatorDecimals"/>): an LP's share of fee income is its shares × the growth of this while it held them.</summary>
    public decimal FeeIncomePerShare { get; init; }

    /// <summary>Fee income since the start, by kind (booked in margin, plus any accrued by the retired per-fill path in old streams).</summary>
    public decimal TradingFeeIncome { get; init; }

    public decimal LiquidationFeeIncome { get; init; }

    /// <summary>Funding booked on the vault's account since the start, net (positive: received, negative: paid).</summary>
    public decimal Funding { get; init; }

    /// <summary>Net funding per market since the start (statements and exposure reports).</summary>
    public ImmutableSortedDictionary<string, decimal> FundingByMarket { get; init; } = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal);

    /// <summary>Liquidation fees margin charged the vault's own account (the vault was liquidated), since the start.</summary>
    public decimal LiquidationFeesPaid { get; init; }

    /// <summary>The latest fee income entries, newest last (at most <see cref="KeptFeeIncomeEntries"/>): one per distribution, for LP statements.</summary>
    public ImmutableList<FeeIncomeEntry> RecentFeeIncome { get; init; } = [];

    /// <summary>Loss at the mark the vault took on backstop takeovers, per market (for statements and exposure reports).</summary>
    public ImmutableSortedDictionary<string, decimal> BackstopLosses { get; init; } = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal);

    public InboxPosition Inbox { get; init; } = InboxPosition.Empty;

    public NavPoint? LastNav { get; init; }

    public const int AccumulatorDecimals = 18;

    /// <summary>Distributions are per epoch (daily by default): 100 is over three months of statement lines in the snapshot.</summary>
    public const int KeptFeeIncomeEntries = 100;

    public static VaultState Empty(string vaultId, string asset = "USDC") => new() { VaultId = vaultId, Asset = asset };

    public decimal FreeSharesOf(string lp) => Holdings.TryGetValue(lp, out var h) ? h.Shares - h.Locked : 0m;
}

/// <param name="Shares">All the LP's shares, locked ones included (they bear the vault's risk until paid).</param>
/// <param name="Locked">Shares in pending withdrawal requests.</param>
/// <param name="FeeIncome">Fee income attributed to the LP up to <paramref name="FeeCheckpoint"/>.</param>
/// <param name="FeeCheckpoint">The vault's fee income per share when FeeIncome was last brought up to date.</param>
public sealed record LpHolding(decimal Shares, decimal Locked, decimal Deposited, decimal Withdrawn, decimal FeeIncome, decimal FeeCheckpoint)
{
    public static LpHolding Empty(decimal checkpoint) => new(0m, 0m, 0m, 0m, 0m, checkpoint);

    /// <summary>Fee income to date at the vault's current accumulator (rounded down).</summary>
    public decimal FeeIncomeAt(decimal feeIncomePerShare) => FeeIncome + ExactMath.Floor(Shares * (feeIncomePerShare - FeeCheckpoint), VaultRules.MoneyDecimals);

    /// <summary>Brings fee income up to date before the share count changes.</summary>
    public LpHolding Settle(decimal feeIncomePerShare) => this with { FeeIncome = FeeIncomeAt(feeIncomePerShare), FeeCheckpoint = feeIncomePerShare };
}

/// <param name="Size">Signed: positive long.</param>
/// <param name="Cost">Σ signed quantity × price of the open part: unrealized PnL at mark m is Size × m − Cost.</param>
public sealed record VaultPosition(decimal Size, decimal Cost, decimal RealizedPnl)
{
    public static VaultPosition Flat { get; } = new(0m, 0m, 0m);

    public decimal EntryPrice => Size == 0 ? 0m : Math.Round(Cost / Size, VaultRules.MoneyDecimals, MidpointRounding.ToEven);

    public decimal UnrealizedAt(decimal mark) => Size * mark - Cost;

    /// <summary>
    /// The position after trading <paramref name="signedQuantity"/> at <paramref name="price"/>, and the PnL that trade
    /// realizes. Reducing removes a pro-rata share of the cost, rounded; the rounding only moves value between realized
    /// and unrealized: NAV changes by exactly quantity × (mark − price) either way.
    /// </summary>
    public (VaultPosition After, decimal Realized) Trade(decimal signedQuantity, decimal price)
    {
        if (signedQuantity == 0)
        {
            return (this, 0m);
        }

        if (Size == 0 || Math.Sign(Size) == Math.Sign(signedQuantity))
        {
            return (this with { Size = Size + signedQuantity, Cost = Cost + signedQuantity * price }, 0m);
        }

        var closing = Math.Min(Math.Abs(signedQuantity), Math.Abs(Size));
        var costRemoved = closing == Math.Abs(Size) ? Cost : Math.Round(Cost * closing / Math.Abs(Size), VaultRules.MoneyDecimals, MidpointRounding.ToEven);
        var closedSigned = Math.Sign(Size) * closing;
        var realized = closedSigned * price - costRemoved;
        var rest = signedQuantity + closedSigned; // what is left of the trade after the position is flat (a flip)
        var after = new VaultPosition(Size - closedSigned + rest, Cost - costRemoved + rest * price, RealizedPnl + realized);
        return (after, realized);
    }
}

/// <param name="Deferred">A payout came due while the vault's free collateral could not pay it; it is paid when it can.</param>
public sealed record PendingWithdrawal(string Id, string Lp, decimal Shares, DateTimeOffset RequestedAt, DateTimeOffset PayableAt, bool Deferred);

/// <summary>The vault's value at a time: NAV = collateral + unrealized PnL at mark − fees owed.</summary>
public sealed record NavPoint(DateTimeOffset At, decimal Collateral, decimal UnrealizedPnl, decimal FeesOwed, decimal Nav, decimal Shares)
{
    /// <summary>NAV per share rounded down (display; decisions use Nav and Shares exactly).</summary>
    public decimal SharePrice => Shares == 0 ? 1m : ExactMath.MulDivFloor(Nav, 1m, Shares, VaultRules.MoneyDecimals);
}

/// <summary>
/// One fee distribution the vault was paid in margin: <see cref="IncomePerShare"/> is what it added to each share then
/// (rounded down), so an LP holding s shares throughout earned floor(s × IncomePerShare) of it.
/// </summary>
public sealed record FeeIncomeEntry(string Reference, FeeKind Kind, decimal Amount, decimal IncomePerShare, decimal SharesOutstanding, long LedgerSequence, DateTimeOffset At);

/// <summary>An LP's statement: holding, value at the current NAV, money in and out, and its share of the vault's fee income.</summary>
public sealed record LpStatement(
    string Lp,
    decimal Shares,
    decimal LockedShares,
    decimal Value,
    decimal Deposited,
    decimal Withdrawn,
    decimal FeeIncome,
    decimal ProfitAndLoss,
    IReadOnlyList<PendingWithdrawal> PendingWithdrawals,
    IReadOnlyList<FeeIncomeEntry>? VaultFeeIncome = null);
