namespace Clearing.Settlement.Domain.Proofs;

public enum ProofSide
{
    Left,
    Right,
}

/// <summary>
/// One level of a proof: the sibling to combine with (on <see cref="SiblingSide"/>) and the node that combination
/// must give at <see cref="Level"/>. The claimed nodes are redundant for security (the root alone decides) but let a
/// verifier name the first level where a proof and its recomputation part.
/// </summary>
public sealed record ProofStep(int Level, ProofSide SiblingSide, string SiblingHash, string SiblingSum, string NodeHash, string NodeSum);

/// <summary>
/// Everything one account needs to check its liability is in an epoch's published root, offline. Written as JSON
/// (camelCase) for <c>clearing verify-proof</c>. <see cref="Salt"/> is this account's alone: with it the account can
/// find its own leaf, without it nobody can tell whose leaf is whose.
/// </summary>
public sealed record InclusionProof
{
    public const int CurrentVersion = 1;

    public required int Version { get; init; }
    public required long Epoch { get; init; }
    public required string Asset { get; init; }
    public required string AccountId { get; init; }
    public required string Salt { get; init; }
    public required string AccountHash { get; init; }

    /// <summary>The amount in the leaf: the balance clamped at zero.</summary>
    public required string Liability { get; init; }

    /// <summary>The account's ledger balance at the close; negative when it is in deficit (its leaf then holds 0).</summary>
    public required string LedgerBalance { get; init; }

    public required int LeafIndex { get; init; }
    public required string LeafHash { get; init; }
    public required IReadOnlyList<ProofStep> Levels { get; init; }
    public required string Root { get; init; }
    public required string Total { get; init; }
}
