using System.Globalization;
using System.Text;
using System.Text.Json;
using Clearing.Settlement.Domain.Epochs;
using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Tests;

/// <summary>
/// The statement writer as it was before it was rewritten for speed (Utf8JsonWriter and a StreamWriter, JSON pass then
/// CSV pass), kept verbatim as the oracle: the fast writer must produce exactly these bytes, shard for shard.
/// </summary>
internal static class ReferenceStatements
{
    public static (byte[][] Json, byte[][] Csv) Write(LedgerBook book, long epoch, long startUnixNanos, long endUnixNanos, int shards)
    {
        var byShard = new List<AccountBook>[shards];
        for (var s = 0; s < shards; s++)
        {
            byShard[s] = [];
        }

        foreach (var account in book.Accounts)
        {
            byShard[StatementBatchWriter.ShardOf(account.AccountId, shards)].Add(account);
        }

        var json = new byte[shards][];
        var csv = new byte[shards][];
        for (var s = 0; s < shards; s++)
        {
            var accounts = byShard[s];
            accounts.Sort(static (a, b) => string.CompareOrdinal(a.AccountId, b.AccountId));
            using var jsonStream = new MemoryStream();
            using var csvStream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(jsonStream, new JsonWriterOptions { SkipValidation = true }))
            {
                foreach (var account in accounts)
                {
                    WriteJson(writer, epoch, startUnixNanos, endUnixNanos, account);
                    writer.Flush();
                    jsonStream.WriteByte((byte)'\n');
                    writer.Reset();
                }
            }

            using (var text = new StreamWriter(csvStream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
            {
                text.WriteLine(StatementFormats.CsvHeader);
                foreach (var account in accounts)
                {
                    WriteCsv(text, epoch, account);
                }
            }

            json[s] = jsonStream.ToArray();
            csv[s] = csvStream.ToArray();
        }

        return (json, csv);
    }

    public static void WriteJson(Utf8JsonWriter writer, long epoch, long startUnixNanos, long endUnixNanos, AccountBook account)
    {
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
            WriteAmount(writer, "opening", line.Opening);
            writer.WriteStartArray("movements");
            foreach (var m in line.Movements)
            {
                writer.WriteStartObject();
                writer.WriteNumber("sequence", m.Sequence);
                writer.WriteString("entryId", m.EntryId);
                writer.WriteNumber("timeUnixNanos", m.TimeUnixNanos);
                writer.WriteString("kind", StatementFormats.KindCode(m.Kind));
                writer.WriteString("reference", m.Reference);
                writer.WriteString("market", m.Market);
                WriteAmount(writer, "amount", m.Amount);
                WriteAmount(writer, "balanceAfter", m.BalanceAfter);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteAmount(writer, "closing", line.Balance);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteCsv(TextWriter writer, long epoch, AccountBook account)
    {
        var id = StatementFormats.Escape(account.AccountId);
        foreach (var line in account.Lines)
        {
            var asset = StatementFormats.Escape(line.Asset);
            var prefix = $"{epoch.ToString(CultureInfo.InvariantCulture)},{id},{asset}";
            writer.Write(prefix);
            writer.Write(",opening,,,,,,,,");
            writer.Write(line.Opening.ToString(CultureInfo.InvariantCulture));
            writer.WriteLine();
            foreach (var m in line.Movements)
            {
                writer.Write(prefix);
                writer.Write(",movement,");
                writer.Write(m.Sequence.ToString(CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(StatementFormats.Escape(m.EntryId));
                writer.Write(',');
                writer.Write(m.TimeUnixNanos.ToString(CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(StatementFormats.KindCode(m.Kind));
                writer.Write(',');
                writer.Write(StatementFormats.Escape(m.Reference));
                writer.Write(',');
                writer.Write(StatementFormats.Escape(m.Market));
                writer.Write(',');
                writer.Write(m.Amount.ToString(CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.Write(m.BalanceAfter.ToString(CultureInfo.InvariantCulture));
                writer.WriteLine();
            }

            writer.Write(prefix);
            writer.Write(",closing,,,,,,,,");
            writer.Write(line.Balance.ToString(CultureInfo.InvariantCulture));
            writer.WriteLine();
        }
    }

    private static void WriteAmount(Utf8JsonWriter writer, string name, decimal value) =>
        writer.WriteString(name, Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture)));
}
