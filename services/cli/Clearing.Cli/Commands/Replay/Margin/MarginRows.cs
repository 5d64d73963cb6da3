using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// The comparable shape of margin's rows. Money is compared as canonical decimal text ("1.50" and "1.5" are the same
/// amount, and JSON numbers would go through double), so a diff is about values, never about formatting.
/// </summary>
internal static class MarginRows
{
    public const string RiskKeyPrefix = "account-risk:";

    public static string Text(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    /// <summary>
    /// The part of a sub-account's public risk view (AccountRiskView) that the store alone decides: the stream version
    /// it was written at, whether the stored band is liquidating, and each position's size, entry and isolated pin.
    /// Marks, PnL, requirements and the current band depend on the prices margin held when it wrote the view (prices
    /// are not margin events), so they cannot be rebuilt and are left out on both sides.
    /// </summary>
    public static JsonObject RiskRow(long version, SubAccount sub) => new()
    {
        ["version"] = version,
        ["liquidating"] = sub.Band is HealthBand.Liquidation or HealthBand.Bankrupt,
        ["positions"] = Positions(sub.Positions.Values.Select(p => (p.Market, p.Size, p.EntryPrice, p.Isolated, p.IsolatedCollateral))),
    };

    /// <summary>The same fields read from a live AccountRiskView (camelCase JSON, as margin writes it).</summary>
    public static JsonObject RiskRow(JsonNode view)
    {
        var positions = view["positions"]?.AsArray() ?? [];
        return new JsonObject
        {
            ["version"] = view["version"]?.GetValue<long>() ?? 0,
            ["liquidating"] = view["liquidating"]?.GetValue<bool>() ?? false,
            ["positions"] = Positions(positions.Select(p => (
                p!["market"]!.GetValue<string>(),
                Decimal(p["size"]),
                Decimal(p["entryPrice"]),
                p["isolated"]?.GetValue<bool>() ?? false,
                Decimal(p["isolatedCollateral"])))),
        };
    }

    private static JsonArray Positions(IEnumerable<(string Market, decimal Size, decimal Entry, bool Isolated, decimal Pin)> positions) =>
        new(positions.OrderBy(p => p.Market, StringComparer.Ordinal).Select(p => (JsonNode)new JsonObject
        {
            ["market"] = p.Market,
            ["size"] = Text(p.Size),
            ["entryPrice"] = Text(p.Entry),
            ["isolated"] = p.Isolated,
            ["isolatedCollateral"] = Text(p.Pin),
        }).ToArray());

    private static decimal Decimal(JsonNode? node) => node is null ? 0m : node.GetValue<decimal>();

    public static JsonObject LedgerRow(LedgerEntryRecorded entry) => new()
    {
        ["entryId"] = entry.EntryId,
        ["kind"] = entry.Kind.ToString(),
        ["reference"] = entry.Reference,
        ["market"] = entry.Market,
        ["accountId"] = entry.AccountId,
        ["postings"] = new JsonArray(entry.Postings.Select(p => (JsonNode)new JsonObject
        {
            ["accountId"] = p.AccountId,
            ["asset"] = p.Asset,
            ["amount"] = Text(p.Amount),
        }).ToArray()),
        ["at"] = entry.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        ["source"] = $"{entry.SourceStream}@{entry.SourceVersion.ToString(CultureInfo.InvariantCulture)}#{entry.LineIndex.ToString(CultureInfo.InvariantCulture)}",
    };

    internal static readonly JsonEncodedText EntryId = JsonEncodedText.Encode("entryId");
    internal static readonly JsonEncodedText Kind = JsonEncodedText.Encode("kind");
    internal static readonly JsonEncodedText Reference = JsonEncodedText.Encode("reference");
    internal static readonly JsonEncodedText Market = JsonEncodedText.Encode("market");
    internal static readonly JsonEncodedText AccountId = JsonEncodedText.Encode("accountId");
    internal static readonly JsonEncodedText Postings = JsonEncodedText.Encode("postings");
    internal static readonly JsonEncodedText Asset = JsonEncodedText.Encode("asset");
    internal static readonly JsonEncodedText Amount = JsonEncodedText.Encode("amount");
    internal static readonly JsonEncodedText At = JsonEncodedText.Encode("at");
    internal static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");

    private static readonly Dictionary<LedgerKind, string> KindNames = Enum.GetValues<LedgerKind>().ToDictionary(k => k, k => k.ToString());

    public static string KindName(LedgerKind kind) => KindNames.TryGetValue(kind, out var name) ? name : kind.ToString();

    /// <summary>
    /// <see cref="LedgerRow"/>'s JSON text written straight to <paramref name="writer"/>: byte for byte what
    /// LedgerRow(entry).ToJsonString() gives (a test holds both to it), for a million rows without a JSON tree each.
    /// </summary>
    public static void WriteLedgerRow(Utf8JsonWriter writer, LedgerEntryRecorded entry)
    {
        writer.WriteStartObject();
        writer.WriteString(EntryId, entry.EntryId);
        writer.WriteString(Kind, KindName(entry.Kind));
        writer.WriteString(Reference, entry.Reference);
        writer.WriteString(Market, entry.Market);
        writer.WriteString(AccountId, entry.AccountId);
        writer.WriteStartArray(Postings);
        foreach (var posting in entry.Postings)
        {
            WritePosting(writer, posting.AccountId, posting.Asset, posting.Amount);
        }
        writer.WriteEndArray();
        WriteAt(writer, entry.At);
        Span<char> source = stackalloc char[entry.SourceStream.Length + 48];
        source.TryWrite(CultureInfo.InvariantCulture, $"{entry.SourceStream}@{entry.SourceVersion}#{entry.LineIndex}", out var written);
        writer.WriteString(Source, source[..written]);
        writer.WriteEndObject();
    }

    internal static void WritePosting(Utf8JsonWriter writer, string accountId, string asset, decimal amount)
    {
        writer.WriteStartObject();
        writer.WriteString(AccountId, accountId);
        writer.WriteString(Asset, asset);
        Span<char> text = stackalloc char[64];
        writer.WriteString(Amount, TryFormatText(amount, text, out var written) ? text[..written] : Text(amount));
        writer.WriteEndObject();
    }

    /// <summary>
    /// <see cref="Text"/> without parsing a custom format per call (a million ledger rows hold two amounts each): the
    /// default format keeps every digit at the value's scale, so dropping trailing fractional zeros gives the same text.
    /// </summary>
    internal static bool TryFormatText(decimal value, Span<char> text, out int written)
    {
        if (value == 0m)
        {
            // Any zero, whatever its scale or sign, is "0" in the custom format.
            text[0] = '0';
            written = 1;
            return true;
        }
        if (!value.TryFormat(text, out written, default, CultureInfo.InvariantCulture))
        {
            return false;
        }
        if (text[..written].IndexOf('.') >= 0)
        {
            while (text[written - 1] == '0')
            {
                written--;
            }
            if (text[written - 1] == '.')
            {
                written--;
            }
        }
        return true;
    }

    internal static void WriteAt(Utf8JsonWriter writer, DateTimeOffset at)
    {
        Span<char> text = stackalloc char[40];
        var utc = at.ToUniversalTime();
        writer.WriteString(At, utc.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture) ? text[..written] : utc.ToString("O", CultureInfo.InvariantCulture));
    }

    public static string LedgerKey(long sequence) => $"ledger:{sequence.ToString("D10", CultureInfo.InvariantCulture)}";
}
