using System.ComponentModel.DataAnnotations;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Margin.Options;

/// <summary>
/// The "Margin" configuration section. Everything is optional: an absent key keeps the documented default of
/// <see cref="MarginParameters"/> (README "Margin"). A schedule given for a market or underlying replaces that one only.
/// </summary>
public sealed class MarginOptions : IValidatableObject
{
    /// <summary>By market symbol or underlying asset: the tiers, smallest notional first.</summary>
    public Dictionary<string, List<TierOptions>> Schedules { get; set; } = new(StringComparer.Ordinal);

    public List<TierOptions>? DefaultSchedule { get; set; }

    public Dictionary<string, CollateralOptions> Collateral { get; set; } = new(StringComparer.Ordinal);

    public decimal? WarningHealth { get; set; }

    public decimal? OptionInitialMultiplier { get; set; }

    public MarginParameters ToParameters()
    {
        var defaults = MarginParameters.Default;
        var schedules = new Dictionary<string, MarginSchedule>(defaults.Schedules, StringComparer.Ordinal);
        foreach (var (key, tiers) in Schedules)
        {
            schedules[key] = ToSchedule(tiers);
        }

        var collateral = new Dictionary<string, CollateralAsset>(defaults.Collateral, StringComparer.Ordinal);
        foreach (var (asset, terms) in Collateral)
        {
            collateral[asset] = new CollateralAsset(terms.Haircut, terms.FixedPrice);
        }

        return defaults with
        {
            Schedules = schedules,
            DefaultSchedule = DefaultSchedule is null ? defaults.DefaultSchedule : ToSchedule(DefaultSchedule),
            Collateral = collateral,
            WarningHealth = WarningHealth ?? defaults.WarningHealth,
            OptionInitialMultiplier = OptionInitialMultiplier ?? defaults.OptionInitialMultiplier,
        };
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        ToParameters().Validate().Select(problem => new ValidationResult(problem));

    private static MarginSchedule ToSchedule(List<TierOptions> tiers) =>
        new(tiers.Select(t => new MarginTier(t.UpToNotional, t.InitialFraction, t.MaintenanceFraction)).ToList());
}

public sealed class TierOptions
{
    /// <summary>Empty for the last, unbounded tier.</summary>
    public decimal? UpToNotional { get; set; }

    public decimal InitialFraction { get; set; }

    public decimal MaintenanceFraction { get; set; }
}

public sealed class CollateralOptions
{
    public decimal Haircut { get; set; }

    public decimal? FixedPrice { get; set; }
}
