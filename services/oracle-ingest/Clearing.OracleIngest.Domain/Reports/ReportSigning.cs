using System.Buffers;
using System.Globalization;
using System.Text;
using NSec.Cryptography;

namespace Clearing.OracleIngest.Domain.Reports;

/// <summary>
/// The canonical bytes a publisher signs (Ed25519, RFC 8032, no pre-hash): UTF-8 text, fields separated by a line feed
/// (0x0A), no trailing line feed, integers in decimal without sign padding.
/// <code>
/// price report:                         vol report:
///   clearing.oracle.price-report.v1       clearing.oracle.vol-report.v1
///   {publisher_id}                        {publisher_id}
///   {asset}                               {asset}
///   {price}            (as sent)          {expiry_unix_nanos}
///   {confidence}       (as sent)          {forward}              (as sent)
///   {publish_time_unix_nanos}             {publish_time_unix_nanos}
///   {sequence}                            {sequence}
///                                         {strike}:{implied_vol} (one line per point, in the order sent)
/// </code>
/// The first line names the message kind and version, so a price signature can never be replayed as a vol report.
/// Fields are checked for shape (no line feed can appear in any of them) before the signature, so two different
/// reports never share canonical bytes. The golden test in tests/Clearing.OracleIngest.Tests pins these bytes.
/// </summary>
public static class ReportSigning
{
    public const string PriceReportHeader = "clearing.oracle.price-report.v1";
    public const string VolReportHeader = "clearing.oracle.vol-report.v1";

    public static SignatureAlgorithm Algorithm => SignatureAlgorithm.Ed25519;

    /// <summary>The signed text of a price report (for documentation, tests and publishers in other languages).</summary>
    public static string CanonicalText(PriceReport report) => string.Create(
        CultureInfo.InvariantCulture,
        $"{PriceReportHeader}\n{report.PublisherId}\n{report.Asset}\n{report.Price}\n{report.Confidence}\n{report.PublishTimeUnixNanos}\n{report.Sequence}");

    public static string CanonicalText(VolReport report)
    {
        var text = new StringBuilder()
            .Append(VolReportHeader).Append('\n')
            .Append(report.PublisherId).Append('\n')
            .Append(report.Asset).Append('\n')
            .Append(report.ExpiryUnixNanos.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(report.Forward).Append('\n')
            .Append(report.PublishTimeUnixNanos.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(report.Sequence.ToString(CultureInfo.InvariantCulture));
        foreach (var point in report.Points)
        {
            text.Append('\n').Append(point.Strike).Append(':').Append(point.ImpliedVol);
        }

        return text.ToString();
    }

    public static byte[] CanonicalBytes(PriceReport report) => Encoding.UTF8.GetBytes(CanonicalText(report));

    public static byte[] CanonicalBytes(VolReport report) => Encoding.UTF8.GetBytes(CanonicalText(report));

    /// <summary>Signs as a publisher would (tests, the simulator and the benchmark hold private keys; the service never does).</summary>
    public static PriceReport Sign(PriceReport report, Key key) => report with { Signature = Algorithm.Sign(key, CanonicalBytes(report)) };

    public static VolReport Sign(VolReport report, Key key) => report with { Signature = Algorithm.Sign(key, CanonicalBytes(report)) };

    /// <summary>
    /// Verifies without allocating the canonical text on the heap for ordinary report sizes: this is the per-report cost
    /// the ingest pays, and the benchmark compares it with a bare verification.
    /// </summary>
    public static bool Verify(PriceReport report, PublicKey key)
    {
        if (report.Signature is not { Length: 64 })
        {
            return false;
        }

        var length = 32 + 6 + Utf8Length(report.PublisherId) + Utf8Length(report.Asset) + Utf8Length(report.Price) + Utf8Length(report.Confidence) + 40;
        var rented = length <= 512 ? null : ArrayPool<byte>.Shared.Rent(length);
        Span<byte> buffer = rented ?? stackalloc byte[512];
        try
        {
            var written = WriteCanonical(buffer, report);
            return Algorithm.Verify(key, buffer[..written], report.Signature);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public static bool Verify(VolReport report, PublicKey key) =>
        report.Signature is { Length: 64 } && Algorithm.Verify(key, CanonicalBytes(report), report.Signature);

    private static int Utf8Length(string text) => Encoding.UTF8.GetByteCount(text);

    private static int WriteCanonical(Span<byte> buffer, PriceReport report)
    {
        var at = 0;
        at += Encoding.UTF8.GetBytes(PriceReportHeader, buffer[at..]);
        buffer[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(report.PublisherId, buffer[at..]);
        buffer[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(report.Asset, buffer[at..]);
        buffer[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(report.Price, buffer[at..]);
        buffer[at++] = (byte)'\n';
        at += Encoding.UTF8.GetBytes(report.Confidence, buffer[at..]);
        buffer[at++] = (byte)'\n';
        report.PublishTimeUnixNanos.TryFormat(buffer[at..], out var timeLength, default, CultureInfo.InvariantCulture);
        at += timeLength;
        buffer[at++] = (byte)'\n';
        report.Sequence.TryFormat(buffer[at..], out var sequenceLength, default, CultureInfo.InvariantCulture);
        return at + sequenceLength;
    }
}
