using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Domain.Epochs;

/// <summary>
/// An account's statement for one epoch, per asset: opening balance, every movement, closing balance. Two renderings
/// of the same lines: JSON (one object per account, one per line of a .jsonl file) and CSV (one row per line, with an
/// "opening" and a "closing" row around the movements). Amounts are exact decimal text, times Unix nanoseconds.
/// <see cref="StatementRenderer"/> writes both.
/// </summary>
public static class StatementFormats
{
    public const string CsvHeader = "epoch,account_id,asset,line,sequence,entry_id,time_unix_nanos,kind,reference,market,amount,balance";

    public static string KindCode(LedgerEntryKind kind) => kind switch
    {
        LedgerEntryKind.Deposit => "deposit",
        LedgerEntryKind.Withdrawal => "withdrawal",
        LedgerEntryKind.RealizedPnl => "realized-pnl",
        LedgerEntryKind.TradingFee => "trading-fee",
        LedgerEntryKind.FeeRebate => "fee-rebate",
        LedgerEntryKind.Funding => "funding",
        LedgerEntryKind.LiquidationFee => "liquidation-fee",
        LedgerEntryKind.InsuranceTransfer => "insurance-transfer",
        LedgerEntryKind.Adl => "adl",
        LedgerEntryKind.ExpirySettlement => "expiry-settlement",
        LedgerEntryKind.FeeDistribution => "fee-distribution",
        LedgerEntryKind.Vault => "vault",
        LedgerEntryKind.Transfer => "transfer",
        LedgerEntryKind.VaultDeposit => "vault-deposit",
        LedgerEntryKind.VaultWithdrawal => "vault-withdrawal",
        _ => "unspecified",
    };

    /// <summary>One account's JSON statement: a single document, the line <see cref="StatementBatchWriter"/> writes for it.</summary>
    public static byte[] Json(long epoch, long startUnixNanos, long endUnixNanos, AccountBook account)
    {
        var (json, _) = Render(epoch, startUnixNanos, endUnixNanos, account);
        return json[..^1]; // without the line's newline
    }

    /// <summary>One account's CSV rows (no header), each ended by "\n".</summary>
    public static string Csv(long epoch, AccountBook account) => System.Text.Encoding.UTF8.GetString(Render(epoch, 0, 0, account).Csv);

    private static (byte[] Json, byte[] Csv) Render(long epoch, long startUnixNanos, long endUnixNanos, AccountBook account)
    {
        ArgumentNullException.ThrowIfNull(account);
        using var json = new ByteSink(null, 1024);
        using var csv = new ByteSink(null, 1024);
        new StatementRenderer(json, csv, epoch, startUnixNanos, endUnixNanos).Account(account);
        return (json.Written.ToArray(), csv.Written.ToArray());
    }

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.</summary>
    public static string Escape(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

}
