using System.Collections.Immutable;
using System.Globalization;

namespace Clearing.Margin.Domain.Stress;

/// <summary>
/// A hypothetical move of every market at once: a relative price move per underlying asset (−0.3 = −30 %) and a
/// relative volatility shift per underlying (+0.5 = implied vols × 1.5). Assets not named take the defaults, so
/// "crash-30" moves every priced asset and a custom move can override one of them.
/// </summary>
public sealed record StressScenario
{
    public required string Name { get; init; }

    public decimal DefaultMove { get; init; }

    public decimal DefaultVolShift { get; init; }

    public ImmutableSortedDictionary<string, decimal> Moves { get; init; } = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, decimal> VolShifts { get; init; } = ImmutableSortedDictionary.Create<string, decimal>(StringComparer.Ordinal);

    public decimal MoveOf(string asset) => Moves.TryGetValue(asset, out var move) ? move : DefaultMove;

    public decimal VolShiftOf(string asset) => VolShifts.TryGetValue(asset, out var shift) ? shift : DefaultVolShift;

    /// <summary>The names <see cref="Parse"/> knows, for help and error texts.</summary>
    public const string BuiltInHelp = "none, crash-<pct> (e.g. crash-30), rally-<pct>, vol-up-<pct> (e.g. vol-up-50), vol-down-<pct>";

    /// <summary>
    /// A built-in scenario: "none", "crash-N" (every asset −N %), "rally-N" (+N %), "vol-up-N" / "vol-down-N" (every
    /// implied vol × (1 ± N %), prices unchanged). N is a percentage in (0, 100) for crashes and vol-downs, (0, 1000] otherwise.
    /// </summary>
    /// <exception cref="FormatException">Not a known scenario; the message lists the known ones.</exception>
    public static StressScenario Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name == "none")
        {
            return new StressScenario { Name = name };
        }

        foreach (var (prefix, sign, vol) in new[] { ("crash-", -1m, false), ("rally-", 1m, false), ("vol-up-", 1m, true), ("vol-down-", -1m, true) })
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!decimal.TryParse(name.AsSpan(prefix.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) || percent <= 0m
                || (sign < 0m && percent >= 100m) || percent > 1000m)
            {
                throw new FormatException($"scenario '{name}': the percentage after '{prefix}' must be a number in (0, {(sign < 0m ? "100)" : "1000]")}.");
            }

            var fraction = sign * percent / 100m;
            return vol ? new StressScenario { Name = name, DefaultVolShift = fraction } : new StressScenario { Name = name, DefaultMove = fraction };
        }

        throw new FormatException($"unknown scenario '{name}'; known: {BuiltInHelp}.");
    }

    /// <summary>
    /// "BTC=-0.3,ETH=-0.4" (relative moves, fractions) into a map; a move must be > −1 (a price cannot go below zero).
    /// </summary>
    /// <exception cref="FormatException">Names the bad item.</exception>
    public static ImmutableSortedDictionary<string, decimal> ParseMoves(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var moves = ImmutableSortedDictionary.CreateBuilder<string, decimal>(StringComparer.Ordinal);
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !decimal.TryParse(item.AsSpan(equals + 1), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var move))
            {
                throw new FormatException($"{what} '{item}' is not ASSET=fraction (e.g. BTC=-0.3 for −30 %).");
            }

            if (move <= -1m)
            {
                throw new FormatException($"{what} '{item}': a fraction of {move} would take the value to zero or below; use a number > -1.");
            }

            moves[item[..equals].Trim()] = move;
        }

        if (moves.Count == 0)
        {
            throw new FormatException($"{what} '{text}' names no asset; use e.g. BTC=-0.3,ETH=-0.4.");
        }

        return moves.ToImmutable();
    }

    public StressScenario WithMoves(ImmutableSortedDictionary<string, decimal> moves) =>
        this with { Name = Custom(Name), Moves = Moves.SetItems(moves) };

    public StressScenario WithVolShifts(ImmutableSortedDictionary<string, decimal> shifts) =>
        this with { Name = Custom(Name), VolShifts = VolShifts.SetItems(shifts) };

    private static string Custom(string name) => name is "none" or "custom" ? "custom" : name.EndsWith("+custom", StringComparison.Ordinal) ? name : $"{name}+custom";
}
