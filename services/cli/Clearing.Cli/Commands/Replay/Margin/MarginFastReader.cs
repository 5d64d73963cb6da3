using System.Buffers;
using System.Text;
using System.Text.Json;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// A forward-only Utf8JsonReader for the event that dominates margin's stores next to the inbox record: PositionChanged
/// (every fill side). It accepts only the exact shape MarginEventTypes writes (camelCase names, each once, JSON numbers
/// for decimals, enum names as written, no escapes in names); anything else returns false and the caller falls back to
/// the source-generated serializer, so a store written by an older or newer margin is still read correctly, only slower.
/// Computed properties the serializer writes and ignores on reading (LedgerLine.isBalanced) are skipped the same way.
/// Strings that repeat across events (account ids, markets, assets) are shared instead of allocated per event.
/// One instance per thread: the string cache is not synchronized.
/// </summary>
internal sealed class MarginFastReader
{
    private const int MaxCachedStrings = 65_536;
    private const int MaxCachedLength = 128;

    private static readonly Dictionary<string, PositionChange> Causes = Enum.GetValues<PositionChange>().ToDictionary(v => v.ToString(), StringComparer.Ordinal);
    private static readonly Dictionary<string, LedgerKind> Kinds = Enum.GetValues<LedgerKind>().ToDictionary(v => v.ToString(), StringComparer.Ordinal);

    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private string? _lastReference;

    // Bound once: the readers run for every event of a replay.
    private readonly BodyReader<PositionChanged> _positionChanged;
    private readonly BodyReader<LedgerEntryRecorded> _ledgerEntry;

    public MarginFastReader()
    {
        _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        _positionChanged = TryReadPositionChanged;
        _ledgerEntry = TryReadLedgerEntry;
    }

    private delegate bool BodyReader<T>(ref Utf8JsonReader reader, out T value);

    public bool TryReadPositionChanged(ReadOnlySpan<byte> json, out PositionChanged changed) => Whole(json, _positionChanged, out changed);

    /// <summary>The whole text is exactly one object the body reader accepts.</summary>
    private static bool Whole<T>(ReadOnlySpan<byte> json, BodyReader<T> body, out T value)
    {
        value = default!;
        var reader = new Utf8JsonReader(json);
        try
        {
            return body(ref reader, out value) && !reader.Read();
        }
        catch (JsonException)
        {
            // Malformed for the fast path (e.g. a number out of decimal range): the serializer decides and names the error.
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private bool TryReadPositionChanged(ref Utf8JsonReader reader, out PositionChanged changed)
    {
        changed = null!;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        string? accountId = null, market = null, reference = null;
        PositionChange? cause = null;
        decimal? quantity = null, price = null;
        Position? after = null;
        List<LedgerLine>? lines = null;
        DateTimeOffset? at = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }
            if (reader.ValueTextEquals("accountId"u8))
            {
                if (accountId is not null || !TryString(ref reader, out accountId))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("market"u8))
            {
                if (market is not null || !TryString(ref reader, out market))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("cause"u8))
            {
                if (cause is not null || !TryEnum(ref reader, Causes, out var value))
                {
                    return false;
                }
                cause = value;
            }
            else if (reader.ValueTextEquals("reference"u8))
            {
                if (reference is not null || !TryReference(ref reader, out reference))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("quantity"u8))
            {
                if (quantity is not null || !TryDecimal(ref reader, out var value))
                {
                    return false;
                }
                quantity = value;
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                if (price is not null || !TryDecimal(ref reader, out var value))
                {
                    return false;
                }
                price = value;
            }
            else if (reader.ValueTextEquals("after"u8))
            {
                if (after is not null || !TryReadPosition(ref reader, out after))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("ledgerLines"u8))
            {
                if (lines is not null || !TryReadLines(ref reader, out lines))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("at"u8))
            {
                if (at is not null || !reader.Read() || reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var value))
                {
                    return false;
                }
                at = value;
            }
            else
            {
                return false;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || accountId is null || market is null || cause is null || reference is null
            || quantity is null || price is null || after is null || lines is null || at is null)
        {
            return false;
        }
        changed = new PositionChanged(accountId, market, cause.Value, reference, quantity.Value, price.Value, after, lines, at.Value);
        return true;
    }

    /// <summary>
    /// A ledger-main entry (margin's LedgerProjector writes one per ledger line, so a store holds about as many as it
    /// holds account events): read by hand for the replay's diff, which reads every one. Same rules as PositionChanged.
    /// </summary>
    public bool TryReadLedgerEntry(ReadOnlySpan<byte> json, out LedgerEntryRecorded entry) => Whole(json, _ledgerEntry, out entry);

    private bool TryReadLedgerEntry(ref Utf8JsonReader reader, out LedgerEntryRecorded entry)
    {
        entry = null!;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
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
                ok = TryEnum(ref reader, Kinds, out var value) && kind is null;
                kind = value;
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
                var value = default(DateTimeOffset);
                ok = at is null && reader.Read() && reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out value);
                at = value;
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

    private bool TryReadPosition(ref Utf8JsonReader reader, out Position? position)
    {
        position = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }
        string? market = null;
        decimal? size = null, cost = null, pin = null, realized = null, fees = null, funding = null;
        bool? isolated = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }
            bool ok;
            if (reader.ValueTextEquals("market"u8))
            {
                ok = market is null && TryString(ref reader, out market);
            }
            else if (reader.ValueTextEquals("size"u8))
            {
                ok = TryDecimal(ref reader, out var value) && size is null;
                size = value;
            }
            else if (reader.ValueTextEquals("cost"u8))
            {
                ok = TryDecimal(ref reader, out var value) && cost is null;
                cost = value;
            }
            else if (reader.ValueTextEquals("isolated"u8))
            {
                ok = isolated is null && reader.Read() && reader.TokenType is JsonTokenType.True or JsonTokenType.False;
                isolated = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("isolatedCollateral"u8))
            {
                ok = TryDecimal(ref reader, out var value) && pin is null;
                pin = value;
            }
            else if (reader.ValueTextEquals("realizedPnl"u8))
            {
                ok = TryDecimal(ref reader, out var value) && realized is null;
                realized = value;
            }
            else if (reader.ValueTextEquals("fees"u8))
            {
                ok = TryDecimal(ref reader, out var value) && fees is null;
                fees = value;
            }
            else if (reader.ValueTextEquals("funding"u8))
            {
                ok = TryDecimal(ref reader, out var value) && funding is null;
                funding = value;
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
        if (reader.TokenType != JsonTokenType.EndObject || market is null || size is null || cost is null || isolated is null
            || pin is null || realized is null || fees is null || funding is null)
        {
            return false;
        }
        position = new Position(market, size.Value, cost.Value, isolated.Value, pin.Value, realized.Value, fees.Value, funding.Value);
        return true;
    }

    private bool TryReadLines(ref Utf8JsonReader reader, out List<LedgerLine>? lines)
    {
        lines = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }
        var list = new List<LedgerLine>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            LedgerKind? kind = null;
            string? reference = null, market = null;
            List<Posting>? postings = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped)
                {
                    return false;
                }
                bool ok;
                if (reader.ValueTextEquals("kind"u8))
                {
                    ok = TryEnum(ref reader, Kinds, out var value) && kind is null;
                    kind = value;
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
                    // LedgerLine.IsBalanced is computed: written by the serializer, ignored when it reads (no constructor parameter).
                    ok = reader.Read() && reader.TokenType is JsonTokenType.True or JsonTokenType.False;
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

    private bool TryReadPostings(ref Utf8JsonReader reader, out List<Posting>? postings)
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
                    ok = TryDecimal(ref reader, out var value) && amount is null;
                    amount = value;
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

    private static bool TryDecimal(ref Utf8JsonReader reader, out decimal value)
    {
        value = 0m;
        return reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out value);
    }

    private bool TryEnum<T>(ref Utf8JsonReader reader, Dictionary<string, T> names, out T value) where T : struct, Enum
    {
        value = default;
        return reader.Read() && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
            && names.TryGetValue(Shared(ref reader), out value);
    }

    private bool TryString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            return false;
        }
        value = reader.ValueIsEscaped ? reader.GetString() : Shared(ref reader);
        return value is not null;
    }

    /// <summary>
    /// References are unique per fill (caching them would only fill the cache), but an event's lines repeat the event's
    /// own reference: share with the last one read.
    /// </summary>
    private bool TryReference(ref Utf8JsonReader reader, out string? value)
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

    /// <summary>The current unescaped string token, shared with earlier events that held the same text.</summary>
    private string Shared(ref Utf8JsonReader reader)
    {
        var utf8 = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        if (utf8.Length > MaxCachedLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }
        Span<char> chars = stackalloc char[MaxCachedLength * 2];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        var text = chars[..length];
        if (_lookup.TryGetValue(text, out var existing))
        {
            return existing;
        }
        var created = new string(text);
        if (_strings.Count < MaxCachedStrings)
        {
            _strings[created] = created;
        }
        return created;
    }
}
