using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// Hand-written JSON for the events margin writes and reads several times per fill: <see cref="PositionChanged"/>
/// (written for both sides of every fill), <see cref="LedgerEntryRecorded"/> (written by the ledger projector, read back
/// by the outbox relay) and the ledger lines the projector reads out of every stored position change. The
/// source-generated serializer reads records through its parameterized-constructor path, which dominated margin's
/// profile at 3,000 orders/s; these readers go straight from Utf8JsonReader to the record.
/// </summary>
/// <remarks>
/// The writers produce exactly the bytes the source-generated serializer writes (same property order, names, number,
/// date and string forms, the computed <see cref="LedgerLine.IsBalanced"/>), so stored hashes and every reader are
/// unaffected; an event with a null member or an undefined enum value is written by the generated serializer itself.
/// The readers accept only that exact shape (camelCase names, each once, numbers for decimals, enum names); anything
/// else makes them return false and the caller falls back to the generated serializer, which reads every form it
/// accepts and names the error in malformed input. Strings that repeat across events (account ids, markets, assets)
/// are shared per thread instead of allocated per event.
/// </remarks>
public static class MarginFastJson
{
    private const int MaxCachedStrings = 16_384;
    private const int MaxCachedLength = 64;

    private static readonly JsonEncodedText AccountIdName = JsonEncodedText.Encode("accountId");
    private static readonly JsonEncodedText MarketName = JsonEncodedText.Encode("market");
    private static readonly JsonEncodedText CauseName = JsonEncodedText.Encode("cause");
    private static readonly JsonEncodedText ReferenceName = JsonEncodedText.Encode("reference");
    private static readonly JsonEncodedText QuantityName = JsonEncodedText.Encode("quantity");
    private static readonly JsonEncodedText PriceName = JsonEncodedText.Encode("price");
    private static readonly JsonEncodedText AfterName = JsonEncodedText.Encode("after");
    private static readonly JsonEncodedText LedgerLinesName = JsonEncodedText.Encode("ledgerLines");
    private static readonly JsonEncodedText AtName = JsonEncodedText.Encode("at");
    private static readonly JsonEncodedText SizeName = JsonEncodedText.Encode("size");
    private static readonly JsonEncodedText CostName = JsonEncodedText.Encode("cost");
    private static readonly JsonEncodedText IsolatedName = JsonEncodedText.Encode("isolated");
    private static readonly JsonEncodedText IsolatedCollateralName = JsonEncodedText.Encode("isolatedCollateral");
    private static readonly JsonEncodedText RealizedPnlName = JsonEncodedText.Encode("realizedPnl");
    private static readonly JsonEncodedText FeesName = JsonEncodedText.Encode("fees");
    private static readonly JsonEncodedText FundingName = JsonEncodedText.Encode("funding");
    private static readonly JsonEncodedText KindName = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText PostingsName = JsonEncodedText.Encode("postings");
    private static readonly JsonEncodedText IsBalancedName = JsonEncodedText.Encode("isBalanced");
    private static readonly JsonEncodedText AssetName = JsonEncodedText.Encode("asset");
    private static readonly JsonEncodedText AmountName = JsonEncodedText.Encode("amount");
    private static readonly JsonEncodedText SequenceName = JsonEncodedText.Encode("sequence");
    private static readonly JsonEncodedText EntryIdName = JsonEncodedText.Encode("entryId");
    private static readonly JsonEncodedText SourceStreamName = JsonEncodedText.Encode("sourceStream");
    private static readonly JsonEncodedText SourceVersionName = JsonEncodedText.Encode("sourceVersion");
    private static readonly JsonEncodedText SourcePositionName = JsonEncodedText.Encode("sourcePosition");
    private static readonly JsonEncodedText LineIndexName = JsonEncodedText.Encode("lineIndex");

    private static readonly Dictionary<LedgerKind, JsonEncodedText> KindTexts = Enum.GetValues<LedgerKind>().ToDictionary(v => v, v => JsonEncodedText.Encode(v.ToString()));
    private static readonly Dictionary<PositionChange, JsonEncodedText> CauseTexts = Enum.GetValues<PositionChange>().ToDictionary(v => v, v => JsonEncodedText.Encode(v.ToString()));
    private static readonly Dictionary<string, LedgerKind> Kinds = Enum.GetValues<LedgerKind>().ToDictionary(v => v.ToString(), StringComparer.Ordinal);

    [ThreadStatic]
    private static Dictionary<string, string>? _strings;

    [ThreadStatic]
    private static string? _lastReference;

    /// <summary>True when <see cref="WritePositionChanged"/> writes <paramref name="e"/> by hand (no null member, every enum defined).</summary>
    public static bool CanWrite(PositionChanged e)
    {
        if (e.AccountId is null || e.Market is null || e.Reference is null || e.After is not { Market: not null } || e.LedgerLines is null || !CauseTexts.ContainsKey(e.Cause))
        {
            return false;
        }

        for (var i = 0; i < e.LedgerLines.Count; i++)
        {
            if (!CanWrite(e.LedgerLines[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <see cref="WriteLedgerEntry"/> writes <paramref name="e"/> by hand (no null member, its kind defined).</summary>
    public static bool CanWrite(LedgerEntryRecorded e) =>
        e.EntryId is not null && e.Reference is not null && e.Market is not null && e.AccountId is not null && e.SourceStream is not null
        && KindTexts.ContainsKey(e.Kind) && CanWrite(e.Postings);

    /// <summary>Writes the bytes the source-generated serializer writes; only for events <see cref="CanWrite(PositionChanged)"/> accepts.</summary>
    public static void WritePositionChanged(Utf8JsonWriter writer, PositionChanged e)
    {
        writer.WriteStartObject();
        writer.WriteString(AccountIdName, e.AccountId);
        writer.WriteString(MarketName, e.Market);
        writer.WriteString(CauseName, CauseTexts[e.Cause]);
        writer.WriteString(ReferenceName, e.Reference);
        writer.WriteNumber(QuantityName, e.Quantity);
        writer.WriteNumber(PriceName, e.Price);
        writer.WritePropertyName(AfterName);
        var after = e.After;
        writer.WriteStartObject();
        writer.WriteString(MarketName, after.Market);
        writer.WriteNumber(SizeName, after.Size);
        writer.WriteNumber(CostName, after.Cost);
        writer.WriteBoolean(IsolatedName, after.Isolated);
        writer.WriteNumber(IsolatedCollateralName, after.IsolatedCollateral);
        writer.WriteNumber(RealizedPnlName, after.RealizedPnl);
        writer.WriteNumber(FeesName, after.Fees);
        writer.WriteNumber(FundingName, after.Funding);
        writer.WriteEndObject();
        writer.WritePropertyName(LedgerLinesName);
        writer.WriteStartArray();
        for (var i = 0; i < e.LedgerLines.Count; i++)
        {
            var line = e.LedgerLines[i];
            writer.WriteStartObject();
            writer.WriteString(KindName, KindTexts[line.Kind]);
            writer.WriteString(ReferenceName, line.Reference);
            writer.WriteString(MarketName, line.Market);
            WritePostings(writer, line.Postings);
            writer.WriteBoolean(IsBalancedName, IsBalanced(line.Postings));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString(AtName, e.At);
        writer.WriteEndObject();
    }

    /// <summary>Writes the bytes the source-generated serializer writes; only for entries <see cref="CanWrite(LedgerEntryRecorded)"/> accepts.</summary>
    public static void WriteLedgerEntry(Utf8JsonWriter writer, LedgerEntryRecorded e)
    {
        writer.WriteStartObject();
        writer.WriteNumber(SequenceName, e.Sequence);
        writer.WriteString(EntryIdName, e.EntryId);
        writer.WriteString(KindName, KindTexts[e.Kind]);
        writer.WriteString(ReferenceName, e.Reference);
        writer.WriteString(MarketName, e.Market);
        writer.WriteString(AccountIdName, e.AccountId);
        WritePostings(writer, e.Postings);
        writer.WriteString(AtName, e.At);
        writer.WriteString(SourceStreamName, e.SourceStream);
        writer.WriteNumber(SourceVersionName, e.SourceVersion);
        writer.WriteNumber(SourcePositionName, e.SourcePosition);
        writer.WriteNumber(LineIndexName, e.LineIndex);
        writer.WriteEndObject();
    }

    /// <summary>
    /// What <see cref="LedgerLine.IsBalanced"/> computes (per asset, the amounts sum to zero), without grouping: a
    /// line holds two to a handful of postings.
    /// </summary>
    public static bool IsBalanced(IReadOnlyList<Posting> postings)
    {
        for (var i = 0; i < postings.Count; i++)
        {
            var asset = postings[i].Asset;
            var first = true;
            for (var j = 0; j < i && first; j++)
            {
                first = !string.Equals(postings[j].Asset, asset, StringComparison.Ordinal);
            }

            if (!first)
            {
                continue;
            }

            var sum = 0m;
            for (var j = i; j < postings.Count; j++)
            {
                if (string.Equals(postings[j].Asset, asset, StringComparison.Ordinal))
                {
                    sum += postings[j].Amount;
                }
            }

            if (sum != 0m)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Reads the account id and ledger lines of a stored <see cref="PositionChanged"/> or <see cref="MoneyMoved"/>,
    /// skipping their other members; false (read nothing) when the text is not in the shape margin writes.
    /// </summary>
    public static bool TryReadStoredLedgerLines(ReadOnlySpan<byte> json, out StoredLedgerLines stored)
    {
        stored = null!;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? accountId = null;
            List<LedgerLine>? lines = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped)
                {
                    return false;
                }

                bool ok;
                if (reader.ValueTextEquals("accountId"u8))
                {
                    ok = accountId is null && TryString(ref reader, out accountId);
                }
                else if (reader.ValueTextEquals("ledgerLines"u8))
                {
                    ok = lines is null && TryReadLines(ref reader, out lines);
                }
                else if (IsOtherStoredMember(ref reader))
                {
                    // The members of PositionChanged and MoneyMoved the ledger does not number: skipped unparsed.
                    ok = reader.Read() && reader.TrySkip();
                }
                else
                {
                    ok = false;
                }

                if (!ok)
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || accountId is null || lines is null || reader.Read())
            {
                return false;
            }

            stored = new StoredLedgerLines(accountId, lines);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not in the fast path's shape (e.g. a number out of decimal range): the generated serializer decides and names the error.
            return false;
        }
    }

    /// <summary>
    /// Reads one <see cref="LedgerEntryRecorded"/> object starting at the reader's StartObject and ending on its
    /// EndObject; false when it is not in the shape margin writes (the reader is then somewhere inside it: the caller
    /// restores its copy).
    /// </summary>
    public static bool TryReadLedgerEntry(ref Utf8JsonReader reader, out LedgerEntryRecorded entry)
    {
        entry = null!;
        try
        {
            return TryReadLedgerEntryCore(ref reader, out entry);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryReadLedgerEntryCore(ref Utf8JsonReader reader, out LedgerEntryRecorded entry)
    {
        entry = null!;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        long? sequence = null, sourceVersion = null, sourcePosition = null, lineIndex = null;
        string? entryId = null, reference = null, market = null, accountId = null, sourceStream = null;
        LedgerKind? kind = null;
        List<Posting>? postings = null;
        DateTimeOffset? at = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            bool ok;
            if (reader.ValueTextEquals("sequence"u8))
            {
                ok = sequence is null && TryLong(ref reader, out sequence);
            }
            else if (reader.ValueTextEquals("entryId"u8))
            {
                ok = entryId is null && TryOwnString(ref reader, out entryId);
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                ok = kind is null && TryKind(ref reader, out kind);
            }
            else if (reader.ValueTextEquals("reference"u8))
            {
                ok = reference is null && TryReference(ref reader, out reference);
            }
            else if (reader.ValueTextEquals("market"u8))
            {
                ok = market is null && TryString(ref reader, out market);
            }
            else if (reader.ValueTextEquals("accountId"u8))
            {
                ok = accountId is null && TryString(ref reader, out accountId);
            }
            else if (reader.ValueTextEquals("postings"u8))
            {
                ok = postings is null && TryReadPostings(ref reader, out postings);
            }
            else if (reader.ValueTextEquals("at"u8))
            {
                ok = at is null && TryDate(ref reader, out at);
            }
            else if (reader.ValueTextEquals("sourceStream"u8))
            {
                ok = sourceStream is null && TryString(ref reader, out sourceStream);
            }
            else if (reader.ValueTextEquals("sourceVersion"u8))
            {
                ok = sourceVersion is null && TryLong(ref reader, out sourceVersion);
            }
            else if (reader.ValueTextEquals("sourcePosition"u8))
            {
                ok = sourcePosition is null && TryLong(ref reader, out sourcePosition);
            }
            else if (reader.ValueTextEquals("lineIndex"u8))
            {
                ok = lineIndex is null && TryLong(ref reader, out lineIndex) && lineIndex is >= int.MinValue and <= int.MaxValue;
            }
            else
            {
                ok = false;
            }

            if (!ok)
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || sequence is null || entryId is null || kind is null || reference is null || market is null
            || accountId is null || postings is null || at is null || sourceStream is null || sourceVersion is null || sourcePosition is null || lineIndex is null)
        {
            return false;
        }

        entry = new LedgerEntryRecorded(sequence.Value, entryId, kind.Value, reference, market, accountId, postings, at.Value, sourceStream,
            sourceVersion.Value, sourcePosition.Value, (int)lineIndex.Value);
        return true;
    }

    private static bool CanWrite(LedgerLine? line) =>
        line is not null && line.Reference is not null && line.Market is not null && KindTexts.ContainsKey(line.Kind) && CanWrite(line.Postings);

    private static bool CanWrite(IReadOnlyList<Posting>? postings)
    {
        if (postings is null)
        {
            return false;
        }

        for (var i = 0; i < postings.Count; i++)
        {
            if (postings[i] is not { AccountId: not null, Asset: not null })
            {
                return false;
            }
        }

        return true;
    }

    private static void WritePostings(Utf8JsonWriter writer, IReadOnlyList<Posting> postings)
    {
        writer.WritePropertyName(PostingsName);
        writer.WriteStartArray();
        for (var i = 0; i < postings.Count; i++)
        {
            var posting = postings[i];
            writer.WriteStartObject();
            writer.WriteString(AccountIdName, posting.AccountId);
            writer.WriteString(AssetName, posting.Asset);
            writer.WriteNumber(AmountName, posting.Amount);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static bool IsOtherStoredMember(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("market"u8) || reader.ValueTextEquals("cause"u8) || reader.ValueTextEquals("reference"u8)
        || reader.ValueTextEquals("quantity"u8) || reader.ValueTextEquals("price"u8) || reader.ValueTextEquals("after"u8)
        || reader.ValueTextEquals("at"u8) || reader.ValueTextEquals("reason"u8);

    private static bool TryReadLines(ref Utf8JsonReader reader, out List<LedgerLine>? lines)
    {
        lines = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var list = new List<LedgerLine>(2);
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            LedgerKind? kind = null;
            string? reference = null, market = null;
            List<Posting>? postings = null;
            var balanced = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped)
                {
                    return false;
                }

                bool ok;
                if (reader.ValueTextEquals("kind"u8))
                {
                    ok = kind is null && TryKind(ref reader, out kind);
                }
                else if (reader.ValueTextEquals("reference"u8))
                {
                    ok = reference is null && TryReference(ref reader, out reference);
                }
                else if (reader.ValueTextEquals("market"u8))
                {
                    ok = market is null && TryString(ref reader, out market);
                }
                else if (reader.ValueTextEquals("postings"u8))
                {
                    ok = postings is null && TryReadPostings(ref reader, out postings);
                }
                else if (reader.ValueTextEquals("isBalanced"u8))
                {
                    // Computed (no constructor parameter): written by the serializer, ignored when it reads.
                    ok = !balanced && reader.Read() && reader.TokenType is JsonTokenType.True or JsonTokenType.False;
                    balanced = true;
                }
                else
                {
                    ok = false;
                }

                if (!ok)
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || kind is null || reference is null || market is null || postings is null)
            {
                return false;
            }

            list.Add(new LedgerLine(kind.Value, reference, market, postings));
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            return false;
        }

        lines = list;
        return true;
    }

    private static bool TryReadPostings(ref Utf8JsonReader reader, out List<Posting>? postings)
    {
        postings = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var list = new List<Posting>(2);
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? accountId = null, asset = null;
            decimal? amount = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped)
                {
                    return false;
                }

                bool ok;
                if (reader.ValueTextEquals("accountId"u8))
                {
                    ok = accountId is null && TryString(ref reader, out accountId);
                }
                else if (reader.ValueTextEquals("asset"u8))
                {
                    ok = asset is null && TryString(ref reader, out asset);
                }
                else if (reader.ValueTextEquals("amount"u8))
                {
                    ok = amount is null && TryDecimal(ref reader, out amount);
                }
                else
                {
                    ok = false;
                }

                if (!ok)
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || accountId is null || asset is null || amount is null)
            {
                return false;
            }

            list.Add(new Posting(accountId, asset, amount.Value));
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            return false;
        }

        postings = list;
        return true;
    }

    private static bool TryDecimal(ref Utf8JsonReader reader, out decimal? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var number))
        {
            return false;
        }

        value = number;
        return true;
    }

    private static bool TryLong(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var number))
        {
            return false;
        }

        value = number;
        return true;
    }

    private static bool TryDate(ref Utf8JsonReader reader, out DateTimeOffset? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var at))
        {
            return false;
        }

        value = at;
        return true;
    }

    private static bool TryKind(ref Utf8JsonReader reader, out LedgerKind? kind)
    {
        kind = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || !Kinds.TryGetValue(Shared(ref reader), out var value))
        {
            return false;
        }

        kind = value;
        return true;
    }

    /// <summary>A string unique to its event (an entry id): allocated, never cached.</summary>
    private static bool TryOwnString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = reader.GetString();
        return value is not null;
    }

    private static bool TryString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = reader.ValueIsEscaped || reader.HasValueSequence ? reader.GetString() : Shared(ref reader);
        return value is not null;
    }

    /// <summary>
    /// References are unique per fill (caching them would only fill the cache), but an event's lines repeat the
    /// event's own reference: shared with the last one read on this thread.
    /// </summary>
    private static bool TryReference(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        if (!reader.ValueIsEscaped && !reader.HasValueSequence && _lastReference is { } last && Matches(reader.ValueSpan, last))
        {
            value = last;
            return true;
        }

        value = _lastReference = reader.GetString();
        return value is not null;
    }

    private static bool Matches(ReadOnlySpan<byte> utf8, string text)
    {
        if (utf8.Length != text.Length)
        {
            return false;
        }

        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] != text[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The current unescaped, single-segment string token, shared with earlier tokens of the same text on this thread.</summary>
    private static string Shared(ref Utf8JsonReader reader)
    {
        var utf8 = reader.ValueSpan;
        if (utf8.Length > MaxCachedLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        Span<char> chars = stackalloc char[MaxCachedLength];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        var text = chars[..length];
        var strings = _strings ??= new Dictionary<string, string>(StringComparer.Ordinal);
        var lookup = strings.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var existing))
        {
            return existing;
        }

        var created = new string(text);
        if (strings.Count >= MaxCachedStrings)
        {
            strings.Clear();
        }

        strings[created] = created;
        return created;
    }
}

/// <summary>
/// <see cref="PositionChanged"/> through <see cref="MarginFastJson"/>: written by hand (same bytes), read by the
/// source-generated serializer (position changes are read only when an account is loaded cold).
/// </summary>
internal sealed class PositionChangedJsonConverter : JsonConverter<PositionChanged>
{
    public override PositionChanged? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize(ref reader, MarginEventJsonContext.Default.PositionChanged);

    public override void Write(Utf8JsonWriter writer, PositionChanged value, JsonSerializerOptions options)
    {
        if (MarginFastJson.CanWrite(value))
        {
            MarginFastJson.WritePositionChanged(writer, value);
        }
        else
        {
            JsonSerializer.Serialize(writer, value, MarginEventJsonContext.Default.PositionChanged);
        }
    }
}

/// <summary><see cref="LedgerEntryRecorded"/> through <see cref="MarginFastJson"/> both ways, the source-generated serializer for any other shape.</summary>
internal sealed class LedgerEntryRecordedJsonConverter : JsonConverter<LedgerEntryRecorded>
{
    public override LedgerEntryRecorded? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var start = reader;
        if (MarginFastJson.TryReadLedgerEntry(ref reader, out var entry))
        {
            return entry;
        }

        reader = start;
        return JsonSerializer.Deserialize(ref reader, MarginEventJsonContext.Default.LedgerEntryRecorded);
    }

    public override void Write(Utf8JsonWriter writer, LedgerEntryRecorded value, JsonSerializerOptions options)
    {
        if (MarginFastJson.CanWrite(value))
        {
            MarginFastJson.WriteLedgerEntry(writer, value);
        }
        else
        {
            JsonSerializer.Serialize(writer, value, MarginEventJsonContext.Default.LedgerEntryRecorded);
        }
    }
}
