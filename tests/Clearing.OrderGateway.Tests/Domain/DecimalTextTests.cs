using System.Globalization;
using Clearing.OrderGateway.Domain.Encoding;

namespace Clearing.OrderGateway.Tests.Domain;

public sealed class DecimalTextTests
{
    // The definition of the canonical text, which signatures are computed over: Format must produce exactly this.
    private const string CanonicalFormat = "0.############################";

    private static string Defined(decimal value) => value.ToString(CanonicalFormat, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("0")]
    [InlineData("0.000")]
    [InlineData("1")]
    [InlineData("1.0")]
    [InlineData("0.100")]
    [InlineData("50000.5")]
    [InlineData("49000.50")]
    [InlineData("100")]
    [InlineData("1000000.000000")]
    [InlineData("0.0000000000000000000000000001")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("7.9228162514264337593543950335")]
    [InlineData("-1.50")]
    [InlineData("-0.0000000000000000000000000001")]
    public void formatting_gives_the_defined_canonical_text(string text)
    {
        var value = decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture);
        DecimalText.Format(value).ShouldBe(Defined(value));
    }

    [Fact]
    public void a_zero_that_carries_a_sign_formats_as_the_defined_text()
    {
        var negativeZero = new decimal(0, 0, 0, isNegative: true, scale: 3);
        DecimalText.Format(negativeZero).ShouldBe(Defined(negativeZero));
        DecimalText.Format(-0m).ShouldBe(Defined(-0m));
    }

    [Fact]
    public void formatting_gives_the_defined_canonical_text_for_random_values_at_every_scale()
    {
        var random = new Random(20261126);
        for (var i = 0; i < 20_000; i++)
        {
            var scale = (byte)random.Next(0, 29);
            var value = new decimal(random.Next(), random.Next(0, 4) == 0 ? 0 : random.Next(), random.Next(0, 3) == 0 ? 0 : random.Next(), random.Next(0, 5) == 0, scale);
            DecimalText.Format(value).ShouldBe(Defined(value), $"value with scale {scale}: {value.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    [Fact]
    public void a_nullable_amount_without_a_value_is_empty()
    {
        DecimalText.Format((decimal?)null).ShouldBe("");
        DecimalText.Format((decimal?)2.50m).ShouldBe("2.5");
    }

    [Fact]
    public void the_utf8_form_is_the_canonical_text_for_random_values_at_every_scale_and_signed_zeros()
    {
        var random = new Random(20261127);
        var values = Enumerable.Range(0, 20_000).Select(_ => new decimal(random.Next(), random.Next(0, 4) == 0 ? 0 : random.Next(), random.Next(0, 3) == 0 ? 0 : random.Next(),
            random.Next(0, 5) == 0, (byte)random.Next(0, 29))).Concat([0m, -0m, new decimal(0, 0, 0, isNegative: true, scale: 3), decimal.MaxValue, decimal.MinValue, 0.1000m]);
        Span<byte> utf8 = stackalloc byte[32];
        foreach (var value in values)
        {
            var written = DecimalText.FormatUtf8(value, utf8);
            System.Text.Encoding.UTF8.GetString(utf8[..written]).ShouldBe(DecimalText.Format(value));
        }
    }
}
