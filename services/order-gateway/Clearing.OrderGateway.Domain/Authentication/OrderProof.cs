namespace Clearing.OrderGateway.Domain.Authentication;

/// <summary>What a command carries to prove who sent it.</summary>
public abstract record OrderProof;

/// <summary>An Ed25519 signature by the account key; <see cref="PublicKey"/> names the key the sender used.</summary>
public sealed record AccountSignatureProof(byte[] PublicKey, byte[] Signature) : OrderProof;

/// <summary>An HMAC-SHA256 under a session key the account key granted.</summary>
public sealed record SessionMacProof(string SessionId, byte[] Mac) : OrderProof;
