using System.Globalization;
using Clearing.Primitives.Markets;

namespace Clearing.Matching.Application;

/// <summary>One "Matching:Protection" entry: market-maker protection for one account on one underlying.</summary>
public sealed class ProtectionRuleOptions
{
    public string Account { get; set; } = "";

    /// <summary>The underlying whose markets (perpetual, futures, options) share the window, e.g. "BTC".</summary>
    public string Underlying { get; set; } = "";

    /// <summary>Fills of the account's quotes within this long count toward the limits.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most filled quantity (underlying units, all markets of the underlying added) within the window; 0 = no quantity limit.</summary>
    public decimal QuantityLimit { get; set; }

    /// <summary>Most |net delta| (underlying units) within the window, bounded conservatively for options; 0 = no delta limit.</summary>
    public decimal DeltaLimit { get; set; }

    /// <summary>How long new quotes are refused after a trip.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>A validated rule in engine units: nanoseconds and underlying nano-units (10^-9 of the underlying).</summary>
public sealed record ProtectionRule(string Account, string Underlying, long WindowNanos, long QuantityLimit, long DeltaLimit, long CooldownNanos)
{
    public const decimal NanoUnits = 1_000_000_000m;

    /// <summary>The rules keyed by (underlying, account); a rule that cannot work is a start-up error naming it.</summary>
    public static IReadOnlyDictionary<(string Underlying, string Account), ProtectionRule> From(IEnumerable<ProtectionRuleOptions> options, MarketCatalog catalog)
    {
        var rules = new Dictionary<(string, string), ProtectionRule>();
        var underlyings = catalog.All.Select(m => m.Underlying).ToHashSet(StringComparer.Ordinal);
        var index = 0;
        foreach (var o in options)
        {
            var name = $"Matching:Protection:{index++} ({o.Account}/{o.Underlying})";
            if (string.IsNullOrWhiteSpace(o.Account))
            {
                throw new ArgumentException($"{name}: Account is required");
            }
            if (!underlyings.Contains(o.Underlying))
            {
                throw new ArgumentException($"{name}: Underlying '{o.Underlying}' is not the underlying of any market in the catalog");
            }
            if (o.Window <= TimeSpan.Zero || o.Cooldown < TimeSpan.Zero)
            {
                throw new ArgumentException($"{name}: Window must be positive and Cooldown not negative");
            }
            if (o.QuantityLimit < 0 || o.DeltaLimit < 0 || (o.QuantityLimit == 0 && o.DeltaLimit == 0))
            {
                throw new ArgumentException($"{name}: QuantityLimit and DeltaLimit must not be negative and one of them must be set");
            }
            var quantity = o.QuantityLimit * NanoUnits;
            var delta = o.DeltaLimit * NanoUnits;
            if (quantity % 1 != 0 || delta % 1 != 0 || quantity > long.MaxValue / 4 || delta > long.MaxValue / 4)
            {
                throw new ArgumentException($"{name}: limits must be whole multiples of 10^-9 and below 2·10^9 units");
            }
            if (!rules.TryAdd((o.Underlying, o.Account), new ProtectionRule(o.Account, o.Underlying, o.Window.Ticks * 100, decimal.ToInt64(quantity),
                decimal.ToInt64(delta), o.Cooldown.Ticks * 100)))
            {
                throw new ArgumentException($"{name}: a second rule for the same account and underlying");
            }
        }
        return rules;
    }

    /// <summary>Which limit an exposure crosses, in words for the event; null when none.</summary>
    public string? Breach(long quantity, long deltaLow, long deltaHigh)
    {
        if (QuantityLimit > 0 && quantity > QuantityLimit)
        {
            return $"quantity {Units(quantity)} > {Units(QuantityLimit)} within {WindowNanos / 1_000_000} ms";
        }
        var delta = Math.Max(Math.Abs(deltaLow), Math.Abs(deltaHigh));
        if (DeltaLimit > 0 && delta > DeltaLimit)
        {
            return $"|delta| up to {Units(delta)} > {Units(DeltaLimit)} within {WindowNanos / 1_000_000} ms";
        }
        return null;
    }

    /// <summary>The settings a book snapshot depends on (its fingerprint).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Account}:{WindowNanos}:{QuantityLimit}:{DeltaLimit}:{CooldownNanos}");

    private static string Units(long nano) => MarketBook.Format(nano / NanoUnits);
}
