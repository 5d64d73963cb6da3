using System.Globalization;
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

    private static readonly JsonEncodedText EpochName = JsonEncodedText.Encode("epoch");
    private static readonly JsonEncodedText StartName = JsonEncodedText.Encode("startUnixNanos");
    private static readonly JsonEncodedText EndName = JsonEncodedText.Encode("endUnixNanos");
    private static readonly JsonEncodedText AccountName = JsonEncodedText.Encode("accountId");
    private static readonly JsonEncodedText AssetsName = JsonEncodedText.Encode("assets");
    private static readonly JsonEncodedText AssetName = JsonEncodedText.Encode("asset");
    private static readonly JsonEncodedText OpeningName = JsonEncodedText.Encode("opening");
    private static readonly JsonEncodedText MovementsName = JsonEncodedText.Encode("movements");
    private static readonly JsonEncodedText SequenceName = JsonEncodedText.Encode("sequence");
    private static readonly JsonEncodedText EntryIdName = JsonEncodedText.Encode("entryId");
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("timeUnixNanos");
    private static readonly JsonEncodedText KindName = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText ReferenceName = JsonEncodedText.Encode("reference");
    private static readonly JsonEncodedText MarketName = JsonEncodedText.Encode("market");
    private static readonly JsonEncodedText AmountName = JsonEncodedText.Encode("amount");
    private static readonly JsonEncodedText BalanceAfterName = JsonEncodedText.Encode("balanceAfter");
    private static readonly JsonEncodedText ClosingName = JsonEncodedText.Encode("closing");

    public static void WriteJson(Utf8JsonWriter writer, long epoch, long startUnixNanos, long endUnixNanos, AccountBook account)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(account);
        writer.WriteStartObject();
        writer.WriteNumber(EpochName, epoch);
        writer.WriteNumber(StartName, startUnixNanos);
        writer.WriteNumber(EndName, endUnixNanos);
        writer.WriteString(AccountName, account.AccountId);
        writer.WriteStartArray(AssetsName);
        foreach (var line in account.Lines)
        {
            writer.WriteStartObject();
            writer.WriteString(AssetName, line.Asset);
            WriteAmount(writer, OpeningName, line.Opening);
            writer.WriteStartArray(MovementsName);
            foreach (var m in line.Movements)
            {
                writer.WriteStartObject();
                writer.WriteNumber(SequenceName, m.Sequence);
                writer.WriteString(EntryIdName, m.EntryId);
                writer.WriteNumber(TimeName, m.TimeUnixNanos);
                writer.WriteString(KindName, KindCode(m.Kind));
                writer.WriteString(ReferenceName, m.Reference);
                writer.WriteString(MarketName, m.Market);
                WriteAmount(writer, AmountName, m.Amount);
                WriteAmount(writer, BalanceAfterName, m.BalanceAfter);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteAmount(writer, ClosingName, line.Balance);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteCsv(TextWriter writer, long epoch, AccountBook account)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(account);
        var id = Escape(account.AccountId);
        foreach (var line in account.Lines)
        {
            var asset = Escape(line.Asset);
            Prefix(writer, epoch, id, asset);
            writer.Write(",opening,,,,,,,,");
            Write(writer, line.Opening);
            writer.WriteLine();
            foreach (var m in line.Movements)
            {
                Prefix(writer, epoch, id, asset);
                writer.Write(",movement,");
                Write(writer, m.Sequence);
                writer.Write(',');
                writer.Write(Escape(m.EntryId));
                writer.Write(',');
                Write(writer, m.TimeUnixNanos);
                writer.Write(',');
                writer.Write(KindCode(m.Kind));
                writer.Write(',');
                writer.Write(Escape(m.Reference));
                writer.Write(',');
                writer.Write(Escape(m.Market));
                writer.Write(',');
                Write(writer, m.Amount);
                writer.Write(',');
                Write(writer, m.BalanceAfter);
                writer.WriteLine();
            }

            Prefix(writer, epoch, id, asset);
            writer.Write(",closing,,,,,,,,");
            Write(writer, line.Balance);
            writer.WriteLine();
        }
    }

    private static void Prefix(TextWriter writer, long epoch, string id, string asset)
    {
        Write(writer, epoch);
        writer.Write(',');
        writer.Write(id);
        writer.Write(',');
        writer.Write(asset);
    }

    // Numbers are formatted into stack buffers: a statement run formats millions of them.
    private static void WriteAmount(Utf8JsonWriter writer, JsonEncodedText name, decimal value)
    {
        Span<byte> buffer = stackalloc byte[32];
        value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
        writer.WriteString(name, buffer[..written]);
    }

    private static void Write(TextWriter writer, decimal value)
    {
        Span<char> buffer = stackalloc char[32];
        value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
        writer.Write(buffer[..written]);
    }

    private static void Write(TextWriter writer, long value)
    {
        Span<char> buffer = stackalloc char[20];
        value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
        writer.Write(buffer[..written]);
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
