using Clearing.Funding.Domain;
using CsCheck;

namespace Clearing.Funding.Tests.Domain;

public sealed class FundingPaymentsTests
{
    [Fact]
    public void longs_pay_shorts_when_the_rate_is_positive()
    {
        var allocation = FundingPayments.Allocate([("long", 2m), ("short", -2m)], mark: 30_000m, rate: 0.0001m);

        allocation.Payments.ShouldBe([new FundingPayment("long", 2m, -6m), new FundingPayment("short", -2m, 6m)]);
        allocation.Dust.ShouldBe(0m);
        allocation.DustAccount.ShouldBe("system:funding-dust");
    }

    [Fact]
    public void shorts_pay_longs_when_the_rate_is_negative()
    {
        var allocation = FundingPayments.Allocate([("long", 1m), ("short", -1m)], mark: 100m, rate: -0.01m);

        allocation.Payments.Select(p => p.Amount).ShouldBe([1m, -1m]);
    }

    [Fact]
    public void payments_are_truncated_toward_zero_to_the_quote_unit_and_the_dust_balances_them()
    {
        // Exact amounts: long −0.0000035 → −0.000003; two shorts +0.00000175 each → +0.000001 each.
        var allocation = FundingPayments.Allocate([("a", 0.0035m), ("b", -0.00175m), ("c", -0.00175m)], mark: 1m, rate: 0.001m);

        allocation.Payments.Select(p => p.Amount).ShouldBe([-0.000003m, 0.000001m, 0.000001m]);
        allocation.Dust.ShouldBe(0.000001m);
        (allocation.Payments.Sum(p => p.Amount) + allocation.Dust).ShouldBe(0m);
    }

    [Fact]
    public void the_quote_precision_is_a_parameter()
    {
        FundingPayments.PaymentFor(1m, 100m, 0.00123m, quoteDecimals: 2).ShouldBe(-0.12m);
        FundingPayments.PaymentFor(-1m, 100m, 0.00123m, quoteDecimals: 0).ShouldBe(0m);
    }

    [Fact]
    public void bad_input_is_refused_naming_the_problem()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => FundingPayments.Allocate([("a", 1m), ("b", -1m)], mark: 0m, rate: 0.01m)).Message.ShouldContain("mark price");
        Should.Throw<ArgumentException>(() => FundingPayments.Allocate([(" ", 1m), ("b", -1m)], mark: 1m, rate: 0.01m)).Message.ShouldContain("position 0 has no account");
        Should.Throw<ArgumentOutOfRangeException>(() => FundingPayments.PaymentFor(1m, 1m, 0.01m, quoteDecimals: 19));
        Should.Throw<ArgumentException>(() => FundingPayments.Allocate([("a", 1m), ("b", -0.5m)], mark: 1m, rate: 0.01m)).Message.ShouldContain("net to 0.5");
        Should.Throw<OverflowException>(() => FundingPayments.PaymentFor(1e20m, 1e6m, 0.5m)).Message.ShouldContain("position 0");
    }

    private static readonly Gen<(string Account, decimal Size)[]> Positions =
        Gen.Select(Gen.Long[-2_000_000_000, 2_000_000_000], Gen.Int[0, 8])
            .Select((units, scale) => units / Pow10(scale))
            .Array[0, 60]
            .Select(sizes => sizes.Append(-sizes.Sum()).Select((size, i) => ($"acct-{i}", size)).ToArray());

    private static decimal Pow10(int exponent) => Enumerable.Repeat(10m, exponent).Aggregate(1m, (a, b) => a * b);

    private static readonly Gen<decimal> Marks = Gen.Long[1, 20_000_000_000].Select(cents => cents / 100m);

    // Rates of up to ±10% per interval, at the 12 decimals the funding service publishes.
    private static readonly Gen<decimal> Rates = Gen.Long[-100_000_000_000, 100_000_000_000].Select(r => r / 1_000_000_000_000m);

    [Fact]
    public void for_random_positions_and_rates_the_payments_of_an_interval_sum_to_exactly_zero()
    {
        Gen.Select(Positions, Marks, Rates, Gen.Int[0, 8]).Sample((positions, mark, rate, decimals) =>
        {
            var allocation = FundingPayments.Allocate(positions, mark, rate, decimals);

            var total = allocation.Payments.Sum(p => p.Amount) + allocation.Dust;
            return total == 0m && allocation.Payments.Count == positions.Length;
        }, iter: 2_000);
    }

    [Fact]
    public void for_random_positions_longs_pay_and_shorts_receive_when_the_rate_is_positive_and_the_reverse_when_negative()
    {
        Gen.Select(Positions, Marks, Rates).Sample((positions, mark, rate) =>
        {
            var allocation = FundingPayments.Allocate(positions, mark, rate);
            var unit = 0.000001m;
            return allocation.Payments.All(p =>
            {
                var exact = -p.Size * mark * rate;
                var direction = Math.Sign(p.Size) * Math.Sign(rate);
                return (direction > 0 ? p.Amount <= 0 : direction < 0 ? p.Amount >= 0 : p.Amount == 0)
                    && Math.Abs(p.Amount) <= Math.Abs(exact)
                    && Math.Abs(exact - p.Amount) < unit;
            }) && Math.Abs(allocation.Dust) <= unit * positions.Length;
        });
    }

    [Fact]
    public void the_span_form_gives_the_same_payments_and_dust_as_the_list_form()
    {
        Gen.Select(Positions, Marks, Rates).Sample((positions, mark, rate) =>
        {
            var list = FundingPayments.Allocate(positions, mark, rate);
            var sizes = positions.Select(p => p.Size).ToArray();
            var payments = new decimal[sizes.Length];
            var dust = FundingPayments.Allocate(sizes, mark, rate, payments);
            return dust == list.Dust && payments.SequenceEqual(list.Payments.Select(p => p.Amount));
        });
    }
}
