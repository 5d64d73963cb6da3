using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Clearing.Settlement.Domain.Ledger;

namespace Clearing.Settlement.Domain.Epochs;

/// <summary>
/// Renders statements straight to UTF-8, JSON and CSV in one pass over an account: each number is formatted once and
/// copied to both, nothing per account becomes an intermediate string, and the output streams through two pooled
/// buffers. The bytes are those of System.Text.Json's Utf8JsonWriter with default options (compact, strings escaped
/// by the default encoder) and of an RFC 4180 CSV writer; StatementBytesTests compares them with the earlier writer
/// built on those.
/// </summary>
internal sealed class StatementRenderer
{
    // Characters a JSON string carries as themselves, taken from the encoder itself so the fast path can never disagree
    // with it; anything else goes through JsonEncodedText, the escaping Utf8JsonWriter applies.
    private static readonly SearchValues<char> JsonVerbatim = SearchValues.Create(
        string.Concat(Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c).Where(c => JsonEncodedText.Encode(c.ToString()).EncodedUtf8Bytes.Length == 1)));

    private static readonly SearchValues<char> CsvSpecial = SearchValues.Create(",\"\r\n");

    private static readonly byte[][] KindCodes =
        [.. Enumerable.Range(0, (int)Enum.GetValues<LedgerEntryKind>().Max() + 1).Select(k => Encoding.UTF8.GetBytes(StatementFormats.KindCode((LedgerEntryKind)k)))];

    private readonly ByteSink _json;
    private readonly ByteSink _csv;
    private readonly byte[] _jsonHead;
    private readonly byte[] _epochText;
    private readonly ByteSink _prefix = new(null, 256);

    public StatementRenderer(ByteSink json, ByteSink csv, long epoch, long startUnixNanos, long endUnixNanos)
    {
        _json = json;
        _csv = csv;
        _epochText = Encoding.UTF8.GetBytes(epoch.ToString(CultureInfo.InvariantCulture));
        _jsonHead = Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"epoch\":{epoch},\"startUnixNanos\":{startUnixNanos},\"endUnixNanos\":{endUnixNanos},\"accountId\":"));
    }

    public void CsvHeader()
    {
        _csv.Write(Encoding.UTF8.GetBytes(StatementFormats.CsvHeader));
        _csv.Write((byte)'\n');
    }

    /// <summary>One account: its JSON document and a newline, and its CSV rows.</summary>
    public void Account(AccountBook account)
    {
        _json.Write(_jsonHead);
        JsonString(_json, account.AccountId);
        _json.Write(",\"assets\":["u8);
        Span<byte> amount = stackalloc byte[DecimalText.MaxBytes];
        Span<byte> balance = stackalloc byte[DecimalText.MaxBytes];
        Span<byte> number = stackalloc byte[20];
        var lines = account.Lines;
        for (var l = 0; l < lines.Count; l++)
        {
            var line = lines[l];
            _prefix.Clear();
            _prefix.Write(_epochText);
            _prefix.Write((byte)',');
            CsvField(_prefix, account.AccountId);
            _prefix.Write((byte)',');
            CsvField(_prefix, line.Asset);
            var prefix = _prefix.Written;

            if (l > 0)
            {
                _json.Write((byte)',');
            }

            _json.Write("{\"asset\":"u8);
            JsonString(_json, line.Asset);
            var length = DecimalText.Write(line.Opening, amount);
            _json.Write(",\"opening\":\""u8);
            _json.Write(amount[..length]);
            _json.Write("\",\"movements\":["u8);
            _csv.Write(prefix);
            _csv.Write(",opening,,,,,,,,"u8);
            _csv.Write(amount[..length]);
            _csv.Write((byte)'\n');

            var movements = line.MovementSpan;
            for (var i = 0; i < movements.Length; i++)
            {
                var m = movements[i];
                _json.Write(i == 0 ? "{\"sequence\":"u8 : ",{\"sequence\":"u8);
                _csv.Write(prefix);
                _csv.Write(",movement,"u8);
                var digits = Number(m.Sequence, number);
                _json.Write(digits);
                _csv.Write(digits);
                _json.Write(",\"entryId\":"u8);
                JsonString(_json, m.EntryId);
                _csv.Write((byte)',');
                CsvField(_csv, m.EntryId);
                _json.Write(",\"timeUnixNanos\":"u8);
                _csv.Write((byte)',');
                digits = Number(m.TimeUnixNanos, number);
                _json.Write(digits);
                _csv.Write(digits);
                var kind = (int)m.Kind >= 0 && (int)m.Kind < KindCodes.Length ? KindCodes[(int)m.Kind] : KindCodes[0];
                _json.Write(",\"kind\":\""u8);
                _json.Write(kind);
                _json.Write("\",\"reference\":"u8);
                _csv.Write((byte)',');
                _csv.Write(kind);
                JsonString(_json, m.Reference);
                _csv.Write((byte)',');
                CsvField(_csv, m.Reference);
                _json.Write(",\"market\":"u8);
                JsonString(_json, m.Market);
                _csv.Write((byte)',');
                CsvField(_csv, m.Market);
                length = DecimalText.Write(m.Amount, amount);
                var balanceLength = DecimalText.Write(m.BalanceAfter, balance);
                _json.Write(",\"amount\":\""u8);
                _json.Write(amount[..length]);
                _json.Write("\",\"balanceAfter\":\""u8);
                _json.Write(balance[..balanceLength]);
                _json.Write("\"}"u8);
                _csv.Write((byte)',');
                _csv.Write(amount[..length]);
                _csv.Write((byte)',');
                _csv.Write(balance[..balanceLength]);
                _csv.Write((byte)'\n');
            }

            length = DecimalText.Write(line.Balance, amount);
            _json.Write("],\"closing\":\""u8);
            _json.Write(amount[..length]);
            _json.Write("\"}"u8);
            _csv.Write(prefix);
            _csv.Write(",closing,,,,,,,,"u8);
            _csv.Write(amount[..length]);
            _csv.Write((byte)'\n');
        }

        _json.Write("]}\n"u8);
    }

    private static ReadOnlySpan<byte> Number(long value, Span<byte> buffer)
    {
        value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
        return buffer[..written];
    }

    private static void JsonString(ByteSink sink, string value)
    {
        var chars = value.AsSpan();
        if (chars.IndexOfAnyExcept(JsonVerbatim) < 0)
        {
            var span = sink.Reserve(chars.Length + 2);
            span[0] = (byte)'"';
            Encoding.ASCII.GetBytes(chars, span[1..]);
            span[chars.Length + 1] = (byte)'"';
            sink.Advance(chars.Length + 2);
            return;
        }

        sink.Write((byte)'"');
        sink.Write(JsonEncodedText.Encode(value).EncodedUtf8Bytes);
        sink.Write((byte)'"');
    }

    /// <summary>RFC 4180, as <see cref="StatementFormats.Escape"/>: quoted (quotes doubled) only when it must be.</summary>
    private static void CsvField(ByteSink sink, string value)
    {
        var chars = value.AsSpan();
        if (chars.IndexOfAny(CsvSpecial) >= 0)
        {
            chars = StatementFormats.Escape(value);
        }

        var span = sink.Reserve(Encoding.UTF8.GetMaxByteCount(chars.Length));
        sink.Advance(Encoding.UTF8.GetBytes(chars, span));
    }
}
