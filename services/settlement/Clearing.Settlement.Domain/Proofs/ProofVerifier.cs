using System.Globalization;

namespace Clearing.Settlement.Domain.Proofs;

/// <summary>Verdict of a proof check. <see cref="FailingLevel"/> is 0 for the leaf, the proof's height for the root.</summary>
public sealed record ProofVerification(bool Valid, int? FailingLevel, string Message)
{
    public static ProofVerification Ok(string message) => new(true, null, message);

    public static ProofVerification Fail(int level, string message) => new(false, level, message);
}

/// <summary>
/// Recomputes a proof from the account id, salt and liability up to the root and compares with the trusted root.
/// Fails at the first level where anything differs and says which, with what was expected and what was found.
/// </summary>
public static class ProofVerifier
{
    public static ProofVerification Verify(InclusionProof proof, string trustedRootHex)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (proof.Version != InclusionProof.CurrentVersion)
        {
            return ProofVerification.Fail(0, $"level 0 (leaf): proof version {proof.Version} is not supported (expected {InclusionProof.CurrentVersion})");
        }

        if (!TryHash(proof.Salt, out var salt, exactLength: false) || salt.Length == 0)
        {
            return ProofVerification.Fail(0, "level 0 (leaf): salt is not hex");
        }

        if (!TryAmount(proof.Liability, out var liability) || liability < 0m)
        {
            return ProofVerification.Fail(0, $"level 0 (leaf): liability '{proof.Liability}' is not a non-negative decimal");
        }

        var accountHash = ProofHashing.AccountHash(salt, proof.AccountId);
        if (!string.Equals(Convert.ToHexStringLower(accountHash), proof.AccountHash, StringComparison.OrdinalIgnoreCase))
        {
            return ProofVerification.Fail(0, $"level 0 (leaf): account hash of '{proof.AccountId}' with this salt is {Convert.ToHexStringLower(accountHash)}, the proof says {proof.AccountHash}");
        }

        var hash = new byte[ProofHashing.HashSize];
        ProofHashing.Leaf(accountHash, liability, hash);
        var sum = ProofHashing.Canonical(liability);
        if (!string.Equals(Convert.ToHexStringLower(hash), proof.LeafHash, StringComparison.OrdinalIgnoreCase))
        {
            return ProofVerification.Fail(0, $"level 0 (leaf): leaf hash recomputed from account, salt and liability {ProofHashing.CanonicalText(liability)} is {Convert.ToHexStringLower(hash)}, the proof says {proof.LeafHash}");
        }

        var expectedLevel = 1;
        foreach (var step in proof.Levels)
        {
            var level = step.Level;
            if (level != expectedLevel)
            {
                return ProofVerification.Fail(expectedLevel, $"level {expectedLevel}: the proof's next step is numbered {level}");
            }

            if (!TryHash(step.SiblingHash, out var sibling, exactLength: true))
            {
                return ProofVerification.Fail(level, $"level {level}: sibling hash '{step.SiblingHash}' is not 32 bytes of hex");
            }

            if (!TryAmount(step.SiblingSum, out var siblingSum) || siblingSum < 0m)
            {
                return ProofVerification.Fail(level, $"level {level}: sibling sum '{step.SiblingSum}' is not a non-negative decimal (a negative sum would hide liabilities)");
            }

            var next = new byte[ProofHashing.HashSize];
            if (step.SiblingSide == ProofSide.Right)
            {
                ProofHashing.Node(hash, sum, sibling, siblingSum, next);
            }
            else
            {
                ProofHashing.Node(sibling, siblingSum, hash, sum, next);
            }

            hash = next;
            sum = ProofHashing.Canonical(sum + siblingSum);
            if (!string.Equals(Convert.ToHexStringLower(hash), step.NodeHash, StringComparison.OrdinalIgnoreCase))
            {
                return ProofVerification.Fail(level, $"level {level}: node hash recomputed from the level below and its sibling is {Convert.ToHexStringLower(hash)}, the proof says {step.NodeHash}");
            }

            if (!TryAmount(step.NodeSum, out var claimedSum) || claimedSum != sum)
            {
                return ProofVerification.Fail(level, $"level {level}: node sum recomputed is {ProofHashing.CanonicalText(sum)}, the proof says {step.NodeSum}");
            }

            expectedLevel++;
        }

        var rootLevel = proof.Levels.Count;
        var root = Convert.ToHexStringLower(hash);
        if (!string.Equals(root, trustedRootHex?.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return ProofVerification.Fail(rootLevel, $"level {rootLevel} (root): recomputed root {root} differs from the published root {trustedRootHex}");
        }

        if (!TryAmount(proof.Total, out var total) || total != sum)
        {
            return ProofVerification.Fail(rootLevel, $"level {rootLevel} (root): root sum is {ProofHashing.CanonicalText(sum)}, the proof's total says {proof.Total}");
        }

        return ProofVerification.Ok($"proof valid: {proof.AccountId} holds {ProofHashing.CanonicalText(liability)} {proof.Asset} in epoch {proof.Epoch}, root {root}, total {ProofHashing.CanonicalText(sum)}");
    }

    private static bool TryHash(string? hex, out byte[] bytes, bool exactLength)
    {
        bytes = [];
        if (string.IsNullOrEmpty(hex) || hex.Length % 2 != 0)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return false;
        }

        return !exactLength || bytes.Length == ProofHashing.HashSize;
    }

    private static bool TryAmount(string? text, out decimal amount) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out amount);
}
