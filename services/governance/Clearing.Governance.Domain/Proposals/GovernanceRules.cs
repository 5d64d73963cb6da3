using System.Text.RegularExpressions;
using Clearing.Parameters;
using NSec.Cryptography;

namespace Clearing.Governance.Domain.Proposals;

/// <summary>A registered governor: an id and its base64 Ed25519 public key.</summary>
public sealed record Governor(string Id, string PublicKey);

/// <summary>How long an approved change of one parameter class waits before it may execute, by direction.</summary>
public sealed record Timelock(long TighteningSeconds, long LooseningSeconds);

/// <summary>
/// Who may change parameters and how (from the genesis file): the governors, the M of N needed for a standard
/// proposal, the smaller quorum for emergency actions, the timelock per parameter class, and how long a proposal
/// may wait for approvals before it expires.
/// </summary>
public sealed partial record GovernanceRules(
    IReadOnlyList<Governor> Governors,
    int Quorum,
    int EmergencyQuorum,
    IReadOnlyDictionary<ParameterKind, Timelock> Timelocks,
    long ProposalLifetimeSeconds)
{
    /// <summary>The longest timelock accepted, so a typo cannot freeze a parameter class for years.</summary>
    public const long MaxTimelockSeconds = 30L * 86_400;

    public TimeSpan ProposalLifetime => TimeSpan.FromSeconds(ProposalLifetimeSeconds);

    public PublicKey? KeyOf(string governor)
    {
        var entry = Governors.FirstOrDefault(g => g.Id == governor);
        return entry is null ? null : PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(entry.PublicKey), KeyBlobFormat.RawPublicKey);
    }

    public bool IsGovernor(string governor) => Governors.Any(g => g.Id == governor);

    public TimeSpan TimelockFor(ParameterKind kind, ChangeDirection direction)
    {
        var timelock = Timelocks[kind];
        return TimeSpan.FromSeconds(direction == ChangeDirection.Loosening ? timelock.LooseningSeconds : timelock.TighteningSeconds);
    }

    public IEnumerable<string> Validate()
    {
        var governors = Governors ?? [];
        if (governors.Count == 0)
        {
            yield return "governance.governors must list at least one governor";
        }

        foreach (var duplicate in governors.GroupBy(g => g.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"governance.governors: '{duplicate.Key}' is listed {duplicate.Count()} times";
        }

        foreach (var duplicate in governors.GroupBy(g => g.PublicKey, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"governance.governors: {string.Join(", ", duplicate.Select(g => g.Id))} share one public key: one key would count as several signers";
        }

        foreach (var governor in governors)
        {
            if (!IdShape().IsMatch(governor.Id ?? ""))
            {
                yield return $"governance.governors: id '{governor.Id}' must be 1-64 characters of [A-Za-z0-9._:-]";
            }

            var bytes = new byte[48];
            if (string.IsNullOrWhiteSpace(governor.PublicKey) || !Convert.TryFromBase64String(governor.PublicKey, bytes, out var length) || length != 32
                || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, bytes.AsSpan(0, 32), KeyBlobFormat.RawPublicKey, out _))
            {
                yield return $"governance.governors: '{governor.Id}' publicKey must be a base64 Ed25519 public key (32 bytes)";
            }
        }

        if (Quorum < 1 || Quorum > governors.Count)
        {
            yield return $"governance.quorum is {Quorum}; it must be between 1 and the number of governors ({governors.Count})";
        }

        if (EmergencyQuorum < 1 || EmergencyQuorum > Quorum)
        {
            yield return $"governance.emergencyQuorum is {EmergencyQuorum}; it must be between 1 and quorum ({Quorum})";
        }

        foreach (var kind in Enum.GetValues<ParameterKind>())
        {
            var name = kind.ToString().ToLowerInvariant();
            if (Timelocks is null || !Timelocks.TryGetValue(kind, out var timelock))
            {
                yield return $"governance.timelocks.{name} is missing";
                continue;
            }

            if (timelock.TighteningSeconds < 0 || timelock.LooseningSeconds > MaxTimelockSeconds)
            {
                yield return $"governance.timelocks.{name} must be between 0 and {MaxTimelockSeconds} seconds";
            }

            if (timelock.LooseningSeconds < timelock.TighteningSeconds)
            {
                yield return $"governance.timelocks.{name}: loosening ({timelock.LooseningSeconds} s) must wait at least as long as tightening ({timelock.TighteningSeconds} s)";
            }
        }

        if (ProposalLifetimeSeconds < 60 || ProposalLifetimeSeconds > 90L * 86_400)
        {
            yield return $"governance.proposalLifetimeSeconds is {ProposalLifetimeSeconds}; it must be between 60 and 7776000 (90 days)";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex IdShape();
}
