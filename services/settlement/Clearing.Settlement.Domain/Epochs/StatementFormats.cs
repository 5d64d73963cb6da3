using System.Globalization;
using System.Text;
using System.Text.Json;
using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Domain.Epochs;

/// <summary>
/// An account's statement for one epoch, per asset: opening balance, every movement, closing balance. Two renderings
/// of the same lines: JSON (one object per account, one per line of a .jsonl file) and CSV (one row per line, with an
/// "opening" and a "closing" row around the movements). Amounts are exact decimal text, times Unix nanoseconds.
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
        _ => "unspecified",
    };

    public static void WriteJson(Utf8JsonWriter writer, long epoch, long startUnixNanos, long endUnixNanos, AccountBook account)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(account);
        writer.WriteStartObject();
        writer.WriteNumber("epoch", epoch);
        writer.WriteNumber("startUnixNanos", startUnixNanos);
        writer.WriteNumber("endUnixNanos", endUnixNanos);
        writer.WriteString("accountId", account.AccountId);
        writer.WriteStartArray("assets");
        foreach (var line in account.Lines)
        {
            writer.WriteStartObject();
            writer.WriteString("asset", line.Asset);
            writer.WriteString("opening", Text(line.Opening));
            writer.WriteStartArray("movements");
            foreach (var m in line.Movements)
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", m.Sequence);
                writer.WriteString("entryId", m.EntryId);
                writer.WriteNumber("timeUnixNanos", m.TimeUnixNanos);
                writer.WriteString("kind", KindCode(m.Kind));
                writer.WriteString("reference", m.Reference);
                writer.WriteString("market", m.Market);
                writer.WriteString("amount", Text(m.Amount));
                writer.WriteString("balanceAfter", Text(m.BalanceAfter));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("closing", Text(line.Balance));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteCsv(TextWriter writer, long epoch, AccountBook account)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(account);
        var epochText = epoch.ToString(CultureInfo.InvariantCulture);
        var id = Escape(account.AccountId);
        var row = new StringBuilder(160);
        foreach (var line in account.Lines)
        {
            var asset = Escape(line.Asset);
            row.Clear().Append(epochText).Append(',').Append(id).Append(',').Append(asset).Append(",opening,,,,,,,,").Append(Text(line.Opening));
            writer.WriteLine(row);
            foreach (var m in line.Movements)
            {
                row.Clear().Append(epochText).Append(',').Append(id).Append(',').Append(asset).Append(",movement,")
                    .Append(m.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(Escape(m.EntryId)).Append(',')
                    .Append(m.TimeUnixNanos.ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(KindCode(m.Kind)).Append(',')
                    .Append(Escape(m.Reference)).Append(',')
                    .Append(Escape(m.Market)).Append(',')
                    .Append(Text(m.Amount)).Append(',')
                    .Append(Text(m.BalanceAfter));
                writer.WriteLine(row);
            }

            row.Clear().Append(epochText).Append(',').Append(id).Append(',').Append(asset).Append(",closing,,,,,,,,").Append(Text(line.Balance));
            writer.WriteLine(row);
        }
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

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
