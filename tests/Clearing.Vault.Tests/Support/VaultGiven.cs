using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Tests.Support;

internal static class VaultGiven
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static readonly IReadOnlyDictionary<string, decimal> NoMarks = new Dictionary<string, decimal>();

    public static VaultRules Rules(Func<VaultRules, VaultRules>? change = null)
    {
        var rules = new VaultRules { VaultId = "hlp", MinimumDeposit = 1m };
        return change is null ? rules : change(rules);
    }

    private static long _sequence;

    public static MessageSource Source(string stream = "book-BTC-PERP") => new(stream, Interlocked.Increment(ref _sequence));

    private static long _ledgerSequence;

    /// <summary>A FEE_DISTRIBUTION entry margin booked on the vault's account, numbered on the ledger (source "ledger-main").</summary>
    public static FeeIncomeInput FeeIncome(decimal amount, FeeKind kind = FeeKind.Trading, string? reference = null)
    {
        var sequence = Interlocked.Increment(ref _ledgerSequence);
        return new FeeIncomeInput(kind, kind == FeeKind.Trading ? "system:fee-pool" : "system:insurance-fund", "USDC", amount, reference ?? $"fees-{sequence}-USDC", sequence, T0,
            new MessageSource("ledger-main", sequence));
    }

    /// <summary>A FUNDING entry margin booked on the vault's account (positive: received), numbered on the ledger (source "ledger-main").</summary>
    public static FundingInput Funding(decimal amount, string market = "BTC-PERP")
    {
        var sequence = Interlocked.Increment(ref _ledgerSequence);
        return new FundingInput(market, "system:funding-dust", "USDC", amount, $"funding:{market}:{sequence}", $"ledger-{sequence}", sequence, T0,
            new MessageSource("ledger-main", sequence));
    }

    public static IReadOnlyDictionary<string, decimal> Marks(params (string Market, decimal Mark)[] marks) => marks.ToDictionary(m => m.Market, m => m.Mark);

    /// <summary>Applies a decision to the state, returning both.</summary>
    public static VaultState Apply(VaultState state, IReadOnlyList<object> events, List<object>? log = null)
    {
        log?.AddRange(events);
        return events.Aggregate(state, VaultBook.Evolve);
    }

    public static IReadOnlyList<VaultPosting> PostingsOf(object e) => e switch
    {
        VaultDeposited d => d.Postings,
        DepositReturned r => r.Postings,
        WithdrawalPaid w => w.Postings,
        VaultFilled f => f.Postings,
        VaultFeesPaid p => p.Postings,
        FeeShareAccrued a => a.Postings,
        FeeIncomeBooked f => f.Postings,
        FundingBooked f => f.Postings,
        LiquidationFeePaid l => l.Postings,
        BackstopTakenOver b => b.Postings,
        _ => [],
    };
}
