using System.CommandLine;
using System.Text.Json;
using Clearing.Cli.Commands;
using Clearing.Margin.Domain.Options;

namespace Clearing.Margin.Tests.Cli;

/// <summary>The <c>price-option</c> and <c>iv</c> commands run in-process with captured stdout and stderr.</summary>
public class OptionCommandsTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var root = new RootCommand("test") { PriceOptionCommand.Create(), ImpliedVolCommand.Create() };
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });

        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void price_option_prints_one_json_object_with_price_and_all_greeks()
    {
        var (exitCode, output, error) = Run("price-option", "--kind", "call", "--model", "bs", "--spot", "42", "--strike", "40", "--vol", "0.2", "--rate", "0.1", "--years", "0.5");

        exitCode.ShouldBe(0);
        error.ShouldBeEmpty();
        output.Trim().Split('\n').Length.ShouldBe(1);
        using var json = JsonDocument.Parse(output);
        json.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["price", "delta", "gamma", "vega", "theta", "rho"]);
        var expected = BlackScholesMerton.Greeks(OptionKind.Call, 42, 40, 0.2, 0.1, 0.5);
        json.RootElement.GetProperty("price").GetDouble().ShouldBe(expected.Price);
        json.RootElement.GetProperty("delta").GetDouble().ShouldBe(expected.Delta);
        json.RootElement.GetProperty("gamma").GetDouble().ShouldBe(expected.Gamma);
        json.RootElement.GetProperty("vega").GetDouble().ShouldBe(expected.Vega);
        json.RootElement.GetProperty("theta").GetDouble().ShouldBe(expected.Theta);
        json.RootElement.GetProperty("rho").GetDouble().ShouldBe(expected.Rho);
        Math.Round(expected.Price, 2).ShouldBe(4.76);
    }

    [Fact]
    public void price_option_with_black76_reads_spot_as_the_forward_and_applies_the_yield_only_to_bs()
    {
        var (exitCode, output, _) = Run("price-option", "--kind", "put", "--model", "black76", "--spot", "20", "--strike", "20", "--vol", "0.25", "--rate", "0.09", "--years", "0.25");
        var withYield = Run("price-option", "--kind", "put", "--model", "bs", "--spot", "20", "--strike", "20", "--vol", "0.25", "--rate", "0.09", "--years", "0.25", "--yield", "0.09");

        exitCode.ShouldBe(0);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("price").GetDouble().ShouldBe(Black76.Price(OptionKind.Put, 20, 20, 0.25, 0.09, 0.25));
        using var bsJson = JsonDocument.Parse(withYield.Output);
        bsJson.RootElement.GetProperty("price").GetDouble().ShouldBe(json.RootElement.GetProperty("price").GetDouble(), 1e-13); // q = r makes S the forward
    }

    [Fact]
    public void iv_prints_the_implied_volatility_as_json()
    {
        var (exitCode, output, error) = Run("iv", "--kind", "call", "--model", "bs", "--spot", "42", "--strike", "40", "--rate", "0.1", "--years", "0.5", "--price", "4.7594223928715333");

        exitCode.ShouldBe(0);
        error.ShouldBeEmpty();
        using var json = JsonDocument.Parse(output);
        json.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["iv"]);
        json.RootElement.GetProperty("iv").GetDouble().ShouldBe(0.2, 1e-12);
    }

    [Fact]
    public void iv_of_a_price_below_intrinsic_value_fails_with_the_reason_on_stderr()
    {
        var (exitCode, output, error) = Run("iv", "--kind", "call", "--model", "bs", "--spot", "42", "--strike", "40", "--rate", "0.1", "--years", "0.5", "--price", "1");

        exitCode.ShouldNotBe(0);
        output.ShouldBeEmpty();
        error.ShouldContain("--price");
        error.ShouldContain("lower bound");
    }

    [Theory]
    [InlineData("--vol", "0", "--vol")]
    [InlineData("--vol", "-0.2", "--vol")]
    [InlineData("--spot", "0", "--spot")]
    [InlineData("--strike", "-40", "--strike")]
    [InlineData("--years", "0", "--years")]
    public void non_positive_inputs_fail_naming_the_flag(string flag, string value, string named)
    {
        var args = new Dictionary<string, string>
        {
            ["--kind"] = "call", ["--model"] = "bs", ["--spot"] = "42", ["--strike"] = "40", ["--vol"] = "0.2", ["--rate"] = "0.1", ["--years"] = "0.5",
        };
        args[flag] = value;

        var (exitCode, output, error) = Run(["price-option", .. args.SelectMany(pair => new[] { pair.Key, pair.Value })]);

        exitCode.ShouldNotBe(0);
        output.ShouldBeEmpty();
        error.ShouldContain(named);
        error.ShouldContain("positive");
    }

    [Fact]
    public void a_yield_with_black76_is_rejected_naming_the_yield_flag()
    {
        var (exitCode, _, error) = Run("price-option", "--kind", "call", "--model", "black76", "--spot", "42", "--strike", "40", "--vol", "0.2", "--rate", "0.1", "--years", "0.5", "--yield", "0.02");

        exitCode.ShouldNotBe(0);
        error.ShouldContain("--yield");
    }

    [Theory]
    [InlineData("price-option", "--kind", "straddle")]
    [InlineData("price-option", "--model", "heston")]
    [InlineData("price-option", "--spot", "abc")]
    [InlineData("iv", "--price", "cheap")]
    public void unknown_choices_and_unparsable_numbers_fail_with_a_message(string command, string flag, string value)
    {
        var args = new Dictionary<string, string>
        {
            ["--kind"] = "put", ["--model"] = "bs", ["--spot"] = "42", ["--strike"] = "40", ["--rate"] = "0.1", ["--years"] = "0.5",
        };
        args[command == "iv" ? "--price" : "--vol"] = command == "iv" ? "1.5" : "0.2";
        args[flag] = value;

        var (exitCode, _, error) = Run([command, .. args.SelectMany(pair => new[] { pair.Key, pair.Value })]);

        exitCode.ShouldNotBe(0);
        error.ShouldContain(value);
    }

    [Theory]
    [InlineData("price-option", "--vol")]
    [InlineData("price-option", "--strike")]
    [InlineData("price-option", "--kind")]
    [InlineData("iv", "--price")]
    [InlineData("iv", "--rate")]
    public void a_missing_required_flag_fails_naming_it(string command, string missing)
    {
        var args = new Dictionary<string, string>
        {
            ["--kind"] = "put", ["--model"] = "bs", ["--spot"] = "42", ["--strike"] = "40", ["--rate"] = "0.1", ["--years"] = "0.5",
        };
        args[command == "iv" ? "--price" : "--vol"] = command == "iv" ? "1.5" : "0.2";
        args.Remove(missing);

        var (exitCode, _, error) = Run([command, .. args.SelectMany(pair => new[] { pair.Key, pair.Value })]);

        exitCode.ShouldNotBe(0);
        error.ShouldContain(missing);
    }
}
