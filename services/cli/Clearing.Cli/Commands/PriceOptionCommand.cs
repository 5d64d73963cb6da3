using System.Buffers;
using System.CommandLine;
using System.Text;
using System.Text.Json;
using Clearing.Margin.Domain.Options;

namespace Clearing.Cli.Commands;

/// <summary>
/// <c>clearing price-option</c>: prices a European option and prints one JSON object with the price and the
/// Greeks (vega per vol point, theta per calendar day, rho per 1%). For <c>--model black76</c>, <c>--spot</c> is
/// the forward.
/// </summary>
public static class PriceOptionCommand
{
    public static Command Create()
    {
        var arguments = new OptionCommandArguments();
        var volatility = new Option<double>("--vol") { Description = "Annualised volatility, e.g. 0.2 for 20%.", Required = true };
        var command = new Command("price-option", "Prices a European call or put (Black-Scholes-Merton or Black-76) and prints {\"price\",\"delta\",\"gamma\",\"vega\",\"theta\",\"rho\"} as JSON.");
        arguments.AddTo(command, volatility);
        command.SetAction(parseResult =>
        {
            var input = arguments.Read(parseResult);
            var vol = parseResult.GetValue(volatility);
            return OptionCommandArguments.Run(parseResult, "price-option", () =>
            {
                var greeks = OptionPricer.Greeks(input.Model, input.Kind, input.Underlying, input.Strike, vol, input.Rate, input.Years, input.Yield);
                return OptionCommandArguments.Json(
                    ("price", greeks.Price),
                    ("delta", greeks.Delta),
                    ("gamma", greeks.Gamma),
                    ("vega", greeks.Vega),
                    ("theta", greeks.Theta),
                    ("rho", greeks.Rho));
            });
        });
        return command;
    }
}

/// <summary>The flags <c>price-option</c> and <c>iv</c> share, and their common error handling.</summary>
internal sealed class OptionCommandArguments
{
    private static readonly Dictionary<string, string> FlagByField = new(StringComparer.Ordinal)
    {
        ["kind"] = "--kind",
        ["spot"] = "--spot",
        ["forward"] = "--spot",
        ["strike"] = "--strike",
        ["volatility"] = "--vol",
        ["rate"] = "--rate",
        ["years"] = "--years",
        ["dividendYield"] = "--yield",
        ["price"] = "--price",
    };

    private readonly Option<string> kind = new("--kind") { Description = "call or put.", Required = true };
    private readonly Option<string> model = new("--model") { Description = "bs (Black-Scholes-Merton on spot) or black76 (on a forward).", Required = true };
    private readonly Option<double> spot = new("--spot") { Description = "Spot price (bs) or forward price (black76).", Required = true };
    private readonly Option<double> strike = new("--strike") { Description = "Strike price.", Required = true };
    private readonly Option<double> rate = new("--rate") { Description = "Continuously compounded risk-free rate, e.g. 0.05.", Required = true };
    private readonly Option<double> years = new("--years") { Description = "Time to expiry in years of 365 days.", Required = true };
    private readonly Option<double> yield = new("--yield") { Description = "Continuous yield of the underlying (bs only), default 0.", DefaultValueFactory = _ => 0.0 };

    public OptionCommandArguments()
    {
        kind.AcceptOnlyFromAmong("call", "put");
        model.AcceptOnlyFromAmong("bs", "black76");
    }

    public void AddTo(Command command, Option<double> modelSpecific)
    {
        command.Options.Add(kind);
        command.Options.Add(model);
        command.Options.Add(spot);
        command.Options.Add(strike);
        command.Options.Add(modelSpecific);
        command.Options.Add(rate);
        command.Options.Add(years);
        command.Options.Add(yield);
    }

    public OptionCommandInput Read(ParseResult parseResult) => new(
        parseResult.GetRequiredValue(kind) == "call" ? OptionKind.Call : OptionKind.Put,
        parseResult.GetRequiredValue(model) == "black76" ? PricingModel.Black76 : PricingModel.BlackScholesMerton,
        parseResult.GetValue(spot),
        parseResult.GetValue(strike),
        parseResult.GetValue(rate),
        parseResult.GetValue(years),
        parseResult.GetValue(yield));

    /// <summary>Runs the computation, prints its JSON on stdout (exit 0) or the problem on stderr (exit 1).</summary>
    public static int Run(ParseResult parseResult, string commandName, Func<string> compute)
    {
        var configuration = parseResult.InvocationConfiguration;
        try
        {
            configuration.Output.WriteLine(compute());
            return 0;
        }
        catch (OptionInputException problem)
        {
            var flag = problem.ParamName is { } field && FlagByField.TryGetValue(field, out var name) ? name : problem.ParamName;
            configuration.Error.WriteLine($"{commandName}: {flag}: {problem.Problem}");
            return 1;
        }
        catch (ImpliedVolatilityException failure)
        {
            configuration.Error.WriteLine($"{commandName}: --price: {failure.Message}");
            return 1;
        }
        catch (ArithmeticException overflow)
        {
            configuration.Error.WriteLine($"{commandName}: {overflow.Message}");
            return 1;
        }
    }

    /// <summary>One JSON object on one line; numbers in shortest round-trip form.</summary>
    /// <exception cref="ArithmeticException">A value is not finite (inputs so extreme the model overflowed).</exception>
    public static string Json(params (string Name, double Value)[] fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                if (!double.IsFinite(value))
                {
                    throw new ArithmeticException($"the {name} came out as {value}: the inputs are beyond what double precision can price.");
                }

                writer.WriteNumber(name, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>Parsed common flags; <see cref="Underlying"/> is spot (bs) or forward (black76).</summary>
internal readonly record struct OptionCommandInput(OptionKind Kind, PricingModel Model, double Underlying, double Strike, double Rate, double Years, double Yield);
