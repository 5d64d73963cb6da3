using System.Globalization;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Reports;
using Clearing.OracleIngest.Domain.Volatility;

namespace Clearing.OracleIngest.Tests;

public sealed class VolSurfaceTests
{
    private static readonly long T0 = OracleWorld.T0;
    private const long Year = 365L * 86_400 * Nanos.PerSecond;
    private const decimal Forward = 100_000m;

    /// <summary>Stated tolerance: a smile quoted from an SVI slice (vols to 6 decimals) is reproduced within 0.05 vol points.</summary>
    private const double ExactSmileTolerance = 0.0005;

    [Fact]
    public void fitted_smile_reproduces_input_vols_within_the_stated_tolerance()
    {
        var world = new OracleWorld();
        var expiry = T0 + Year / 2;
        var vols = SviVols(years: 0.5, a: 0.02, b: 0.1, rho: -0.3, m: 0.02, sigma: 0.2);

        Submit(world, "pub-1", expiry, vols);
        var fitted = Submit(world, "pub-2", expiry, vols).OfType<VolSliceFitted>().ShouldHaveSingleItem();

        fitted.FitError.ShouldBeLessThan(ExactSmileTolerance);
        var slice = VolSurfaceFitting.AsSlice(fitted, T0);
        foreach (var (strike, vol) in vols)
        {
            Math.Abs(slice.Volatility(Math.Log((double)(strike / Forward))) - vol).ShouldBeLessThan(ExactSmileTolerance);
        }

        world.State.VolSlices.Keys.ShouldBe([expiry]);
    }

    [Fact]
    public void noisy_quotes_from_two_publishers_fit_within_the_rejection_tolerance()
    {
        var world = new OracleWorld();
        var expiry = T0 + Year / 4;
        var vols = SviVols(years: 0.25, a: 0.01, b: 0.08, rho: -0.5, m: 0.0, sigma: 0.15);

        Submit(world, "pub-1", expiry, vols.Select((v, i) => (v.Strike, v.Vol + (i % 2 == 0 ? 0.002 : -0.002))).ToList());
        var fitted = Submit(world, "pub-2", expiry, vols.Select((v, i) => (v.Strike, v.Vol + (i % 3 == 0 ? 0.001 : 0.0))).ToList())
            .OfType<VolSliceFitted>().ShouldHaveSingleItem();

        fitted.FitError.ShouldBeLessThan(world.Parameters.MaxVolFitError);
        fitted.Publishers.ShouldBe(["pub-1", "pub-2"]);
    }

    [Fact]
    public void one_publisher_is_below_the_vol_quorum_and_fits_nothing()
    {
        var world = new OracleWorld();

        var events = Submit(world, "pub-1", T0 + Year / 2, SviVols(0.5, 0.02, 0.1, -0.3, 0.0, 0.2));

        events.ShouldHaveSingleItem().ShouldBeOfType<VolReportAccepted>();
    }

    [Fact]
    public void butterfly_arbitrage_in_the_quotes_is_rejected_with_the_reason()
    {
        // Axel Vogt's SVI slice (Gatheral & Jacquier 2014): a valid-looking smile whose implied density is negative.
        var world = new OracleWorld();
        var expiry = T0 + Year;
        var vols = SviVols(years: 1.0, a: -0.0410, b: 0.1331, rho: 0.3060, m: 0.3586, sigma: 0.4153, from: -1.5, to: 1.5);

        Submit(world, "pub-1", expiry, vols);
        var rejected = Submit(world, "pub-2", expiry, vols).OfType<VolSliceRejected>().ShouldHaveSingleItem();

        rejected.Reason.ShouldStartWith("butterfly arbitrage: Durrleman's g(k)");
        world.State.VolSlices.ShouldBeEmpty();
    }

    [Fact]
    public void calendar_arbitrage_against_a_published_expiry_is_rejected_with_the_reason()
    {
        var world = new OracleWorld();
        var later = T0 + Year;
        var earlier = T0 + Year / 2;
        Submit(world, "pub-1", later, SviVols(1.0, 0.2, 0.1, -0.3, 0.0, 0.2));
        Submit(world, "pub-2", later, SviVols(1.0, 0.2, 0.1, -0.3, 0.0, 0.2)).OfType<VolSliceFitted>().ShouldHaveSingleItem();

        // Half a year at ~0.9 vol holds more total variance than a year at ~0.5: money for nothing with a calendar spread.
        Submit(world, "pub-1", earlier, SviVols(0.5, 0.38, 0.1, -0.3, 0.0, 0.2));
        var rejected = Submit(world, "pub-2", earlier, SviVols(0.5, 0.38, 0.1, -0.3, 0.0, 0.2)).OfType<VolSliceRejected>().ShouldHaveSingleItem();

        rejected.Reason.ShouldStartWith("calendar arbitrage: total variance falls");
        world.State.VolSlices.Keys.ShouldBe([later]);
    }

    [Fact]
    public void vol_report_with_too_few_points_is_refused_as_malformed()
    {
        var world = new OracleWorld();
        var report = ReportSigning.Sign(new VolReport("pub-1", "BTC", T0 + Year, "100000", [new VolPoint("100000", "0.5")], T0, 1, []), OracleWorld.KeyOf("pub-1"));

        var refusal = world.ReceiveVol(report, T0).ShouldHaveSingleItem().ShouldBeOfType<VolReportRefused>();

        refusal.Reason.ShouldBe("malformed");
        refusal.Detail.ShouldContain("5 to 200 points");
    }

    [Fact]
    public void index_updates_carry_the_published_vol_surface()
    {
        var world = new OracleWorld();
        var expiry = T0 + Year / 2;
        Submit(world, "pub-1", expiry, SviVols(0.5, 0.02, 0.1, -0.3, 0.0, 0.2));
        Submit(world, "pub-2", expiry, SviVols(0.5, 0.02, 0.1, -0.3, 0.0, 0.2));

        world.AllReport(100_000m, T0 + Nanos.PerSecond);

        world.LastIndex.VolSurface.ShouldHaveSingleItem().ExpiryUnixNanos.ShouldBe(expiry);
    }

    private static List<(decimal Strike, double Vol)> SviVols(double years, double a, double b, double rho, double m, double sigma, double from = -0.4, double to = 0.4)
    {
        var points = new List<(decimal, double)>();
        for (var i = 0; i <= 10; i++)
        {
            var k = from + (to - from) * i / 10;
            var strike = Math.Round(Forward * (decimal)Math.Exp(k), 2);
            var kk = Math.Log((double)(strike / Forward));
            var w = a + b * (rho * (kk - m) + Math.Sqrt((kk - m) * (kk - m) + sigma * sigma));
            points.Add((strike, Math.Round(Math.Sqrt(w / years), 6)));
        }

        return points;
    }

    private static IReadOnlyList<object> Submit(OracleWorld world, string publisher, long expiry, IReadOnlyList<(decimal Strike, double Vol)> vols)
    {
        var report = new VolReport(publisher, "BTC", expiry, Forward.ToString(CultureInfo.InvariantCulture),
            vols.Select(v => new VolPoint(v.Strike.ToString(CultureInfo.InvariantCulture), v.Vol.ToString("0.######", CultureInfo.InvariantCulture))).ToList(),
            T0, world.NextSequence(publisher), []);
        return world.ReceiveVol(ReportSigning.Sign(report, OracleWorld.KeyOf(publisher)), T0);
    }
}
