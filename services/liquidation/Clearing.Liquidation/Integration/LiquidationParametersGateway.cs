using Clearing.Liquidation.Domain;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;

namespace Clearing.Liquidation.Integration;

/// <summary>
/// Governance → liquidation: the registry's "insurance" set — liquidation_fee_fraction, max_payout_per_event,
/// max_payout_per_day — replaces the configured liquidation fee rate of every market (Liquidation:Markets:{symbol}:
/// LiquidationFeeRate, default 1%) and the fund's cross-market payout caps (Liquidation:MaxFundPayoutPerEvent /
/// MaxFundPayoutPerDay, default none) from the version's effective time. Each market's own FundPayoutCap and window
/// stay as configured: the registry does not govern them.
/// <para>
/// The switch happens at a defined point: the engine asks with its input's time — a liquidation fill's time for that
/// fill's fee, a clock step's time for the fund's caps — so the first input at or after the effective time is the first
/// one decided with the new values, and the events it records (SliceFilled.liquidation_fee, TransferredToFund and
/// AdlExecuted reasons) carry them. Before any version is in force the configuration applies.
/// </para>
/// </summary>
public sealed class LiquidationParametersGateway(ParameterFeed feed, LiquidationRules configured, ILogger<LiquidationParametersGateway> logger)
{
    private readonly Lock _lock = new();
    private (long Version, LiquidationRules Rules) _cached = (-1, configured);

    /// <summary>The rules in force for an input stamped <paramref name="inputTime"/>.</summary>
    public LiquidationRules RulesAt(DateTimeOffset inputTime)
    {
        if (feed.At(ParameterSets.Insurance, inputTime) is not { Parameters: InsuranceParameters governed } version)
        {
            return configured;
        }

        lock (_lock)
        {
            if (_cached.Version != version.Version)
            {
                _cached = (version.Version, Apply(configured, governed));
                logger.LogInformation("params-insurance version {Version} in force for liquidation from the input at {Time:O}: fee {Fee}, per-event cap {PerEvent}, per-day cap {PerDay}",
                    version.Version, inputTime, governed.LiquidationFeeFraction, governed.MaxPayoutPerEvent, governed.MaxPayoutPerDay);
            }

            return _cached.Rules;
        }
    }

    /// <summary>The governed insurance values over the configured rules. Pure.</summary>
    public static LiquidationRules Apply(LiquidationRules configured, InsuranceParameters governed) =>
        configured.WithInsurance(governed.LiquidationFeeFraction, new FundPayoutLimits(governed.MaxPayoutPerEvent, governed.MaxPayoutPerDay));
}
