using System.CommandLine;
using Clearing.Margin.Domain.Options;

namespace Clearing.Cli.Commands;

/// <summary>
/// <c>clearing iv</c>: the implied volatility of a European option price, printed as <c>{"iv":…}</c>. A price
/// outside the no-arbitrage bounds, or one the solver cannot reproduce to 1e-10, is an error with the reason.
/// </summary>
public static class ImpliedVolCommand
{
    public static Command Create()
    {
        var arguments = new OptionCommandArguments();
        var price = new Option<double>("--price") { Description = "Observed option price.", Required = true };
        var command = new Command("iv", "Implied volatility of a European call or put price (Black-Scholes-Merton or Black-76), printed as {\"iv\":…}.");
        arguments.AddTo(command, price);
        command.SetAction(parseResult =>
        {
            var input = arguments.Read(parseResult);
            var observed = parseResult.GetValue(price);
            return OptionCommandArguments.Run(parseResult, "iv", () =>
            {
                var iv = ImpliedVolatility.Solve(input.Model, input.Kind, input.Underlying, input.Strike, input.Rate, input.Years, observed, input.Yield);
                return OptionCommandArguments.Json(("iv", iv));
            });
        });
        return command;
    }
}
