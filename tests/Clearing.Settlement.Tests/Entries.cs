using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Tests;

internal static class Entries
{
    public const long T0 = 1_700_000_000_000_000_000;

    public static LedgerEntryData Entry(long sequence, LedgerEntryKind kind, params (string Account, string Asset, decimal Amount)[] postings) =>
        new($"e-{sequence}", sequence, T0 + (sequence * 1_000_000_000), kind, [.. postings.Select(p => new LedgerPosting(p.Account, p.Asset, p.Amount))], $"ref-{sequence}", "BTC-PERP");

    public static LedgerEntryData Deposit(long sequence, string account, decimal amount, string asset = "USDC") =>
        Entry(sequence, LedgerEntryKind.Deposit, (LedgerAccounts.External, asset, -amount), (account, asset, amount));

    public static LedgerEntryData Transfer(long sequence, string from, string to, decimal amount, LedgerEntryKind kind = LedgerEntryKind.RealizedPnl, string asset = "USDC") =>
        Entry(sequence, kind, (from, asset, -amount), (to, asset, amount));
}
