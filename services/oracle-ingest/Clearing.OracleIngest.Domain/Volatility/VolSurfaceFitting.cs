using System.Globalization;
using Clearing.Margin.Domain.Options;
using Clearing.OracleIngest.Domain.Aggregation;

namespace Clearing.OracleIngest.Domain.Volatility;

/// <summary>
/// One expiry's slice from the fresh vol reports of at least <see cref="OracleParameters.VolQuorum"/> publishers: the
/// forward is the median of their forwards, each strike's vol the median of the vols quoted for it (so one publisher
/// cannot bend a strike that others quote too), then an SVI fit, the butterfly check, the fit tolerance and the
/// calendar check against the other published expiries. A rejected slice keeps the previous one published.
/// </summary>
public static class VolSurfaceFitting
{
    private const double DaysPerYear = 365.0;

    public static string SubmissionKey(long expiryUnixNanos, string publisher) =>
        string.Create(CultureInfo.InvariantCulture, $"{expiryUnixNanos}/{publisher}");

    public static object? FitExpiry(OracleAssetState state, long expiry, OracleParameters parameters, long now)
    {
        var submissions = state.VolSubmissions.Values
            .Where(s => s.ExpiryUnixNanos == expiry && now - s.PublishTimeUnixNanos <= parameters.VolStalenessNanos)
            .OrderBy(s => s.Publisher, StringComparer.Ordinal)
            .ToList();
        if (submissions.Count < parameters.VolQuorum)
        {
            return null;
        }

        var publishers = submissions.Select(s => s.Publisher).ToList();
        VolSliceRejected Reject(string reason) => new(state.Asset, expiry, now, reason, publishers);

        var forward = Math.Round(Medians.Of(submissions.Select(s => s.Forward)), parameters.PriceDecimals, MidpointRounding.ToEven);
        var years = (expiry - now) / (double)Nanos.PerSecond / 86_400.0 / DaysPerYear;
        var points = submissions
            .SelectMany(s => s.Points)
            .GroupBy(p => p.Strike)
            .OrderBy(g => g.Key)
            .Select(g => (LogMoneyness: Math.Log((double)(g.Key / forward)), Volatility: (double)Medians.Of(g.Select(p => p.ImpliedVol))))
            .ToList();

        SviFit fit;
        try
        {
            fit = SviFitter.Fit(years, points);
        }
        catch (VolFitException e)
        {
            return Reject(e.Message);
        }

        if (SmileArbitrage.Butterfly(fit.Slice) is { } butterfly)
        {
            return Reject(butterfly);
        }

        if (fit.MaxVolError > parameters.MaxVolFitError)
        {
            return Reject(string.Create(CultureInfo.InvariantCulture,
                $"fit error {fit.MaxVolError:0.#####} exceeds the tolerance {parameters.MaxVolFitError} (the quotes do not form one smooth smile)"));
        }

        var others = state.VolSlices.Values
            .Where(s => s.ExpiryUnixNanos != expiry && s.ExpiryUnixNanos > now)
            .Select(s => AsSlice(s, now))
            .Append(fit.Slice);
        if (SmileArbitrage.Calendar(others) is { } calendar)
        {
            return Reject(calendar);
        }

        var s = fit.Slice;
        return new VolSliceFitted(state.Asset, expiry, now, forward, years, s.A, s.B, s.Rho, s.M, s.Sigma, fit.MaxVolError, publishers);
    }

    /// <summary>A published slice as margin's model reads it now: the same total-variance curve, years counted from now.</summary>
    public static SviSlice AsSlice(VolSliceFitted fitted, long now) =>
        new((fitted.ExpiryUnixNanos - now) / (double)Nanos.PerSecond / 86_400.0 / DaysPerYear, fitted.A, fitted.B, fitted.Rho, fitted.M, fitted.Sigma);
}
