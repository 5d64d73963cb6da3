using System.Globalization;
using Clearing.OracleIngest.Domain.Publishers;

namespace Clearing.OracleIngest.Domain.Reports;

/// <summary>Either the accepted event or the refusal, never both.</summary>
public readonly record struct Verdict<TAccepted, TRefused>(TAccepted? Accepted, TRefused? Refusal)
    where TAccepted : class
    where TRefused : class;

/// <summary>
/// The checks every report passes, in this order: the publisher is known and may report this asset; the fields are
/// well formed (before the signature, so no field can smuggle a line feed into the signed text); the signature
/// verifies against the publisher's registered key (feed adapters' reports have none and may only come from the
/// adapter path); the sequence is above the publisher's last accepted one for this asset; the publish time is not
/// beyond the skew allowance nor older than the staleness limit; the confidence is not wider than the limit.
/// The first failure is the recorded reason.
/// </summary>
public static class ReportVerification
{
    public const string UnknownPublisher = "unknown-publisher";
    public const string PublisherNotForAsset = "publisher-not-for-asset";
    public const string Malformed = "malformed";
    public const string BadSignature = "bad-signature";
    public const string SequenceNotIncreasing = "sequence-not-increasing";
    public const string FutureDated = "future-dated";
    public const string Stale = "stale";
    public const string ConfidenceTooWide = "confidence-too-wide";
    public const string UnknownAsset = "unknown-asset";

    /// <summary>Most points a vol report may carry (a chain rarely quotes more strikes per expiry).</summary>
    public const int MaxVolPoints = 200;

    /// <summary>Fewest points a vol report needs: SVI has five parameters.</summary>
    public const int MinVolPoints = 5;

    public static Verdict<ReportAccepted, ReportRefused> Check(
        OracleAssetState state, PriceReport report, ReportOrigin origin, PublisherRegistry publishers, OracleParameters parameters, long now)
    {
        ReportRefused Refuse(string reason, string detail) => new(
            state.Asset, report.PublisherId, OriginCode(origin), report.Price, report.Confidence, report.PublishTimeUnixNanos,
            report.Sequence, now, Convert.ToBase64String(report.Signature ?? []), reason, detail);

        if (PublisherProblem(state.Asset, report.PublisherId, report.Asset, origin, publishers, out var publisher) is { } who)
        {
            return new(null, Refuse(who.Reason, who.Detail));
        }

        if (!TryParsePositive(report.Price, out var price))
        {
            return new(null, Refuse(Malformed, $"price '{Printable(report.Price)}' is not a positive decimal such as 64250.5"));
        }

        if (!TryParseNonNegative(report.Confidence, out var confidence))
        {
            return new(null, Refuse(Malformed, $"confidence '{Printable(report.Confidence)}' is not a non-negative decimal"));
        }

        if (!publisher.IsFeed && !ReportSigning.Verify(report, publisher.Key!))
        {
            return new(null, Refuse(BadSignature, $"signature does not verify against publisher '{report.PublisherId}''s registered key"));
        }

        if (TimingProblem(state, report.PublisherId, report.Sequence, report.PublishTimeUnixNanos, parameters, now) is { } timing)
        {
            return new(null, Refuse(timing.Reason, timing.Detail));
        }

        if (confidence > price * parameters.MaxConfidenceFraction)
        {
            return new(null, Refuse(ConfidenceTooWide, string.Create(CultureInfo.InvariantCulture,
                $"confidence {confidence} is {confidence / price:P2} of the price {price}; the limit is {parameters.MaxConfidenceFraction:P2}")));
        }

        return new(new ReportAccepted(state.Asset, report.PublisherId, OriginCode(origin), price, confidence, report.PublishTimeUnixNanos,
            report.Sequence, now, Convert.ToBase64String(report.Signature ?? [])), null);
    }

    public static Verdict<VolReportAccepted, VolReportRefused> Check(
        OracleAssetState state, VolReport report, ReportOrigin origin, PublisherRegistry publishers, OracleParameters parameters, long now)
    {
        VolReportRefused Refuse(string reason, string detail) => new(
            state.Asset, report.PublisherId, OriginCode(origin), report.ExpiryUnixNanos, report.Forward,
            report.Points.Select(p => $"{p.Strike}:{p.ImpliedVol}").ToList(), report.PublishTimeUnixNanos, report.Sequence, now,
            Convert.ToBase64String(report.Signature ?? []), reason, detail);

        if (PublisherProblem(state.Asset, report.PublisherId, report.Asset, origin, publishers, out var publisher) is { } who)
        {
            return new(null, Refuse(who.Reason, who.Detail));
        }

        if (VolShapeProblem(report, out var forward, out var points) is { } shape)
        {
            return new(null, Refuse(Malformed, shape));
        }

        if (!publisher.IsFeed && !ReportSigning.Verify(report, publisher.Key!))
        {
            return new(null, Refuse(BadSignature, $"signature does not verify against publisher '{report.PublisherId}''s registered key"));
        }

        if (TimingProblem(state, report.PublisherId, report.Sequence, report.PublishTimeUnixNanos, parameters, now) is { } timing)
        {
            return new(null, Refuse(timing.Reason, timing.Detail));
        }

        if (report.ExpiryUnixNanos <= now)
        {
            return new(null, Refuse(Malformed, $"expiry {report.ExpiryUnixNanos} is not in the future"));
        }

        return new(new VolReportAccepted(state.Asset, report.PublisherId, OriginCode(origin), report.ExpiryUnixNanos, forward, points,
            report.PublishTimeUnixNanos, report.Sequence, now, Convert.ToBase64String(report.Signature ?? [])), null);
    }

    public static string OriginCode(ReportOrigin origin) => origin == ReportOrigin.FeedAdapter ? "feed-adapter" : "publisher-stream";

    private static (string Reason, string Detail)? PublisherProblem(
        string streamAsset, string publisherId, string reportAsset, ReportOrigin origin, PublisherRegistry publishers, out Publisher publisher)
    {
        if (!publishers.TryGet(publisherId, out publisher))
        {
            return (UnknownPublisher, $"publisher '{Printable(publisherId)}' is not registered");
        }

        if (!string.Equals(reportAsset, streamAsset, StringComparison.Ordinal))
        {
            // The host routes by the report's asset, so this only happens when a caller mis-routes: refuse, never re-label.
            return (Malformed, $"report is for asset '{Printable(reportAsset)}', not '{streamAsset}'");
        }

        if (!publisher.Covers(streamAsset))
        {
            return (PublisherNotForAsset, $"publisher '{publisherId}' is registered for {string.Join(", ", publisher.Assets.Order(StringComparer.Ordinal))}, not {streamAsset}");
        }

        if (publisher.IsFeed && origin != ReportOrigin.FeedAdapter)
        {
            // A feed publisher has no key, so a stream report under its name could be anyone's.
            return (UnknownPublisher, $"publisher '{publisherId}' is a pulled feed with no signing key; it cannot push reports");
        }

        if (!publisher.IsFeed && origin == ReportOrigin.FeedAdapter)
        {
            return (BadSignature, $"publisher '{publisherId}' signs its reports; an adapter cannot report for it");
        }

        return null;
    }

    private static (string Reason, string Detail)? TimingProblem(
        OracleAssetState state, string publisherId, long sequence, long publishTime, OracleParameters parameters, long now)
    {
        if (state.Publishers.TryGetValue(publisherId, out var known) && sequence <= known.LastSequence)
        {
            return (SequenceNotIncreasing, string.Create(CultureInfo.InvariantCulture,
                $"sequence {sequence} is not above publisher '{publisherId}''s last accepted sequence {known.LastSequence} for {state.Asset}: replayed or out of order"));
        }

        if (publishTime > now + parameters.MaxFutureSkewNanos)
        {
            return (FutureDated, string.Create(CultureInfo.InvariantCulture,
                $"publish time is {(publishTime - now) / (double)Nanos.PerMillisecond:0.###} ms ahead of the receiving clock; the allowance is {parameters.MaxFutureSkewNanos / (double)Nanos.PerMillisecond:0.###} ms"));
        }

        if (now - publishTime > parameters.StalenessNanos)
        {
            return (Stale, string.Create(CultureInfo.InvariantCulture,
                $"report is {(now - publishTime) / (double)Nanos.PerMillisecond:0.###} ms old; the staleness limit is {parameters.StalenessNanos / (double)Nanos.PerMillisecond:0.###} ms"));
        }

        return null;
    }

    private static string? VolShapeProblem(VolReport report, out decimal forward, out IReadOnlyList<VolQuote> points)
    {
        points = [];
        if (!TryParsePositive(report.Forward, out forward))
        {
            return $"forward '{Printable(report.Forward)}' is not a positive decimal";
        }

        if (report.Points.Count is < MinVolPoints or > MaxVolPoints)
        {
            return $"a vol report needs {MinVolPoints} to {MaxVolPoints} points (SVI has five parameters), got {report.Points.Count}";
        }

        var parsed = new List<VolQuote>(report.Points.Count);
        var strikes = new HashSet<decimal>();
        foreach (var point in report.Points)
        {
            if (!TryParsePositive(point.Strike, out var strike))
            {
                return $"strike '{Printable(point.Strike)}' is not a positive decimal";
            }

            if (!TryParsePositive(point.ImpliedVol, out var vol) || vol > 5m)
            {
                return $"implied vol '{Printable(point.ImpliedVol)}' at strike {strike} must be a decimal fraction in (0, 5]";
            }

            if (!strikes.Add(strike))
            {
                return $"strike {strike} appears twice";
            }

            parsed.Add(new VolQuote(strike, vol));
        }

        points = parsed;
        return null;
    }

    /// <summary>Plain digits with an optional fraction: no sign, exponent, spaces or separators, so the signed text has one reading.</summary>
    public static bool TryParsePositive(string? text, out decimal value) => TryParseNonNegative(text, out value) && value > 0m;

    public static bool TryParseNonNegative(string? text, out decimal value)
    {
        value = 0m;
        if (string.IsNullOrEmpty(text) || text.Length > 40)
        {
            return false;
        }

        var dot = false;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (dot)
                {
                    return false;
                }

                dot = true;
            }
            else if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return text[0] != '.' && text[^1] != '.'
            && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Hostile text goes into a readable reason only escaped and shortened.</summary>
    private static string Printable(string? text)
    {
        if (text is null)
        {
            return string.Empty;
        }

        var shown = text.Length > 64 ? text[..64] + "…" : text;
        return shown.Any(char.IsControl) ? string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : shown;
    }
}
