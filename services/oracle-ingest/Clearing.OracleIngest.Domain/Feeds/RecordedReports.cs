using System.Globalization;
using System.Text.Json;
using Clearing.OracleIngest.Domain.Reports;

namespace Clearing.OracleIngest.Domain.Feeds;

/// <summary>
/// One line of a recorded market-data file. Without a signature it is a pulled feed's price (origin: feed adapter);
/// with one it is a signed publisher report captured off the stream, replayed exactly as it was signed.
/// </summary>
public sealed record RecordedReport(long PublishTimeUnixNanos, string Publisher, string Asset, string Price, string Confidence, long Sequence, string? Signature)
{
    public bool IsSigned => !string.IsNullOrEmpty(Signature);

    public ReportOrigin Origin => IsSigned ? ReportOrigin.PublisherStream : ReportOrigin.FeedAdapter;

    public PriceReport ToReport(long publishTimeUnixNanos) =>
        new(Publisher, Asset, Price, Confidence, publishTimeUnixNanos, Sequence, IsSigned ? Convert.FromBase64String(Signature!) : []);

    public PriceReport ToReport() => ToReport(PublishTimeUnixNanos);
}

/// <summary>
/// Parses recorded price files. Two formats, told apart by the caller (file extension):
/// CSV — a header line naming the columns publish_time_unix_nanos, publisher, asset, price, confidence, sequence and
/// optionally signature (base64), in any order; '#' lines and blank lines are ignored; no quoting (no field needs it).
/// JSONL — one object per line with publishTimeUnixNanos, publisher, asset, price, confidence, sequence and optionally
/// signature; prices are JSON strings so they stay exact decimals.
/// Errors name the line number and the field.
/// </summary>
public static class RecordedReportFormat
{
    private static readonly string[] RequiredColumns = ["publish_time_unix_nanos", "publisher", "asset", "price", "confidence", "sequence"];

    public static IReadOnlyList<RecordedReport> ParseCsv(IEnumerable<string> lines)
    {
        var result = new List<RecordedReport>();
        Dictionary<string, int>? columns = null;
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(',').Select(f => f.Trim()).ToArray();
            if (columns is null)
            {
                columns = fields.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i, StringComparer.Ordinal);
                var missing = RequiredColumns.Where(c => !columns.ContainsKey(c)).ToList();
                if (missing.Count > 0)
                {
                    throw new FormatException($"line {number}: the CSV header lacks column(s) {string.Join(", ", missing)}");
                }

                continue;
            }

            if (fields.Length != columns.Count)
            {
                throw new FormatException($"line {number}: {fields.Length} fields, the header has {columns.Count}");
            }

            string Field(string name) => fields[columns[name]];
            result.Add(new RecordedReport(
                Long(Field("publish_time_unix_nanos"), number, "publish_time_unix_nanos"),
                Text(Field("publisher"), number, "publisher"),
                Text(Field("asset"), number, "asset"),
                Text(Field("price"), number, "price"),
                Text(Field("confidence"), number, "confidence"),
                Long(Field("sequence"), number, "sequence"),
                columns.TryGetValue("signature", out var s) && fields[s].Length > 0 ? fields[s] : null));
        }

        return result;
    }

    public static IReadOnlyList<RecordedReport> ParseJsonLines(IEnumerable<string> lines)
    {
        var result = new List<RecordedReport>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(raw);
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new FormatException($"line {number}: not a JSON object: {e.Message}", e);
            }

            string Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                ? Text(v.GetString(), number, name)
                : throw new FormatException($"line {number}: '{name}' must be a JSON string");
            long Int(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)
                ? n
                : throw new FormatException($"line {number}: '{name}' must be a JSON integer");

            result.Add(new RecordedReport(
                Int("publishTimeUnixNanos"), Str("publisher"), Str("asset"), Str("price"), Str("confidence"), Int("sequence"),
                root.TryGetProperty("signature", out var sig) && sig.ValueKind == JsonValueKind.String ? sig.GetString() : null));
        }

        return result;
    }

    /// <summary>Picks the parser by extension: .csv or .jsonl (also .ndjson).</summary>
    public static IReadOnlyList<RecordedReport> Parse(string fileName, IEnumerable<string> lines) =>
        Path.GetExtension(fileName).ToLowerInvariant() switch
        {
            ".csv" => ParseCsv(lines),
            ".jsonl" or ".ndjson" => ParseJsonLines(lines),
            var other => throw new FormatException($"'{fileName}': recorded data must be .csv or .jsonl, not '{other}'"),
        };

    private static long Long(string text, int line, string field) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"line {line}: {field} '{text}' is not an integer");

    private static string Text(string? text, int line, string field) =>
        string.IsNullOrWhiteSpace(text) ? throw new FormatException($"line {line}: {field} is empty") : text;
}
