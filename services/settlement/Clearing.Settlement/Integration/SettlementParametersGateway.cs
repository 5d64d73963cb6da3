using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.Settlement.Application;
using Microsoft.Extensions.Options;
using DomainSchedule = Clearing.Settlement.Domain.Fees.FeeSchedule;
using DomainTier = Clearing.Settlement.Domain.Fees.FeeTier;
using GovernedSchedule = Clearing.Parameters.FeeSchedule;

namespace Clearing.Settlement.Integration;

/// <summary>The fee schedule an assessment used: the registry's version (-1 = configuration) and, when a governed version was refused, why.</summary>
public sealed record FeeScheduleInForce(DomainSchedule Schedule, long ParamsVersion, string? Refused);

/// <summary>
/// Governance → settlement: the registry's <c>fees</c> set (volume tiers) in force at an epoch's end replaces the
/// configured schedule (Settlement:Fees:Tiers) for the fee tiers assessed at that end. The epoch end — not the clock
/// tick that happens to close it — is the time asked, so a close delayed by a ledger gap, and a rebuild, assess under
/// the same version; the assessment records the version and the whole schedule, so a rebuild reads it back without
/// asking the registry. A governed schedule settlement's own rules refuse (a taker fee of 1 %, which governance's
/// bound still admits) is not used: the configured schedule stays and the refusal is recorded and logged.
/// maxMakerRebate is governance's bound on proposals (checked there); settlement applies the tiers.
/// </summary>
public sealed class SettlementParametersGateway(ParameterFeed feed, IOptions<SettlementOptions> options, ILogger<SettlementParametersGateway> logger)
{
    private readonly DomainSchedule _configured = new(options.Value.Fees.TierList());
    private long _lastRefused = -1;

    public DomainSchedule Configured => _configured;

    /// <summary>The schedule in force at <paramref name="timeUnixNanos"/> (the feed is folded from the store first).</summary>
    public async Task<FeeScheduleInForce> FeesAtAsync(long timeUnixNanos, CancellationToken cancellationToken)
    {
        await feed.WhenLoaded(cancellationToken);
        var version = feed.At(ParameterSets.Fees, ParameterTime.FromUnixNanos(timeUnixNanos));
        var inForce = FeesAt(version, _configured);
        if (inForce.Refused is not null && version!.Version != Interlocked.Exchange(ref _lastRefused, version.Version))
        {
            logger.LogWarning("Governed fee schedule refused ({Reason}); the configured schedule stays", inForce.Refused);
        }

        return inForce;
    }

    /// <summary>The governed tiers of <paramref name="version"/> when settlement can use them, else <paramref name="configured"/> with the reason. Pure.</summary>
    public static FeeScheduleInForce FeesAt(ParameterVersion? version, DomainSchedule configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        if (version is not { Parameters: GovernedSchedule governed })
        {
            return new FeeScheduleInForce(configured, -1, null);
        }

        var tiers = (governed.Tiers ?? []).Select(t => new DomainTier(t.MinVolume30d, t.MakerFee, t.TakerFee)).ToList();
        var problems = DomainSchedule.Validate(tiers);
        return problems.Count > 0
            ? new FeeScheduleInForce(configured, -1, $"params-fees version {version.Version}: {string.Join("; ", problems)}")
            : new FeeScheduleInForce(new DomainSchedule(tiers), version.Version, null);
    }
}
