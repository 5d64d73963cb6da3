using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Tests.Options;

public class NormalDistributionTests
{
    // Reference values computed to 17 digits with 250-digit decimal arithmetic (erf series) and checked
    // against the Laplace continued fraction for the tail.
    [Theory]
    [InlineData(-20.0, 2.75362411860623374e-89)]
    [InlineData(-10.0, 7.61985302416052545e-24)]
    [InlineData(-7.5, 3.19089167291089635e-14)]
    [InlineData(-5.0, 2.86651571879193912e-07)]
    [InlineData(-3.0, 1.34989803163009458e-03)]
    [InlineData(-2.5, 6.20966532577613486e-03)]
    [InlineData(-1.0, 1.58655253931457046e-01)]
    [InlineData(-0.7, 2.41963652223073006e-01)]
    [InlineData(-0.3, 3.82088577811047381e-01)]
    [InlineData(0.5, 6.91462461274013118e-01)]
    [InlineData(1.96, 9.75002104851779516e-01)]
    [InlineData(3.0, 9.98650101968369897e-01)]
    public void cdf_matches_high_precision_reference_to_about_one_part_in_10_to_the_15(double x, double expected)
    {
        var actual = NormalDistribution.Cdf(x);

        Math.Abs(actual - expected).ShouldBeLessThanOrEqualTo(2e-15 * expected);
    }

    [Fact]
    public void cdf_is_symmetric_and_its_two_tails_sum_to_one()
    {
        for (var x = -8.0; x <= 8.0; x += 0.0625)
        {
            (NormalDistribution.Cdf(x) + NormalDistribution.Cdf(-x)).ShouldBe(1.0, 1e-15);
        }
    }

    [Fact]
    public void cdf_is_non_decreasing_across_the_interval_boundaries_of_the_approximation()
    {
        var previous = 0.0;
        for (var x = -40.0; x <= 40.0; x += 0.001)
        {
            var value = NormalDistribution.Cdf(x);
            value.ShouldBeGreaterThanOrEqualTo(previous);
            previous = value;
        }
    }

    [Fact]
    public void cdf_returns_the_density_it_computed_on_the_way()
    {
        foreach (var x in new[] { -12.0, -6.0, -1.3, -0.2, 0.0, 0.4, 2.2, 9.0 })
        {
            NormalDistribution.Cdf(x, out var density);

            density.ShouldBe(Math.Exp(-0.5 * x * x) / Math.Sqrt(2.0 * Math.PI), 1e-15 * Math.Max(density, 1e-300) + 1e-300);
            NormalDistribution.Pdf(x).ShouldBe(density, 1e-16);
        }
    }

    [Fact]
    public void cdf_saturates_to_exact_zero_and_one_far_in_the_tails_and_keeps_nan()
    {
        NormalDistribution.Cdf(-60.0).ShouldBe(0.0);
        NormalDistribution.Cdf(60.0).ShouldBe(1.0);
        NormalDistribution.Cdf(double.NegativeInfinity).ShouldBe(0.0);
        NormalDistribution.Cdf(double.PositiveInfinity).ShouldBe(1.0);
        double.IsNaN(NormalDistribution.Cdf(double.NaN)).ShouldBeTrue();
    }
}
