using System.CommandLine;
using Clearing.Cli.Commands.Match;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Cli.Commands;

/// <summary>
/// <c>clearing match --input orders.jsonl [--tick 0.5] [--lot 0.001] [--book]</c>: runs the production matching
/// engine offline over a JSON-lines file of place/cancel lines and prints trades, rests, cancels and rejections as
/// JSON lines (what-if replays for ops and quants).
/// </summary>
public static class MatchCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "JSON-lines file of place/cancel lines; '-' reads stdin.", Required = true };
        var tick = new Option<string>("--tick") { Description = "Tick size of every market in the input.", DefaultValueFactory = _ => "0.5" };
        var lot = new Option<string>("--lot") { Description = "Lot size of every market in the input.", DefaultValueFactory = _ => "0.001" };
        var book = new Option<bool>("--book") { Description = "After the input, print each market's book in priority order." };
        var command = new Command("match", "Runs the matching engine over a JSON-lines order file and prints trades, rests, cancels and rejections as JSON lines.")
        {
            input, tick, lot, book,
        };
        command.SetAction(parseResult =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            if (!TryPositive(parseResult.GetValue(tick)!, "--tick", error, out var tickSize)
                || !TryPositive(parseResult.GetValue(lot)!, "--lot", error, out var lotSize))
            {
                return 1;
            }
            var path = parseResult.GetValue(input)!;
            var options = new MatchOptions(tickSize, lotSize, parseResult.GetValue(book));
            if (path == "-")
            {
                return MatchRunner.Run(Console.In, parseResult.InvocationConfiguration.Output, error, options);
            }
            if (!File.Exists(path))
            {
                error.WriteLine($"--input: file '{path}' does not exist");
                return 1;
            }
            using var reader = File.OpenText(path);
            return MatchRunner.Run(reader, parseResult.InvocationConfiguration.Output, error, options);
        });
        return command;
    }

    private static bool TryPositive(string text, string name, TextWriter error, out decimal value)
    {
        if (!DecimalText.TryParse(text, out value, out var problem))
        {
            error.WriteLine($"{name}: {problem}");
            return false;
        }
        if (value <= 0)
        {
            error.WriteLine($"{name} must be positive, got {text}");
            return false;
        }
        return true;
    }
}
