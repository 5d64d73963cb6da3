using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Clearing.Governance.Domain.Json;
using Clearing.Parameters;
using NSec.Cryptography;

namespace Clearing.Governance.Domain.Proposals;

/// <summary>
/// The bytes governors sign. A proposal's canonical encoding lists, in a fixed order, everything that decides what
/// comes into force (id, kind, effective time, description, and per set — sorted by id — the base version and the
/// canonical JSON of the whole new value); the digest is its SHA-256. A governor signs
/// <c>clearing-governance-v1\n{action}\n{proposal id}\n{digest}</c>, so an approval cannot be replayed onto another
/// proposal or turned into a cancellation.
/// </summary>
public static class ProposalCanonical
{
    public const string Approve = "approve";
    public const string Cancel = "cancel";

    public static string Encode(ProposalDraft draft)
    {
        var text = new StringBuilder();
        text.Append("clearing-governance-proposal-v1\n");
        text.Append("id:").Append(draft.Id).Append('\n');
        text.Append("kind:").Append(draft.Kind == ProposalKind.Emergency ? "emergency" : "standard").Append('\n');
        text.Append("effective-at:").Append(draft.EffectiveAt is { } at ? UnixNanos(at).ToString(CultureInfo.InvariantCulture) : "on-execution").Append('\n');
        text.Append("description:").Append(JsonSerializer.Serialize(draft.Description ?? "", GovernanceJsonContext.Default.String)).Append('\n');
        foreach (var change in draft.Changes.OrderBy(c => c.SetId, StringComparer.Ordinal))
        {
            text.Append("change:").Append(change.SetId).Append('@').Append(change.BaseVersion.ToString(CultureInfo.InvariantCulture)).Append(':')
                .Append(GovernanceJson.CanonicalOf(change.Parameters)).Append('\n');
        }

        return text.ToString();
    }

    public static string Digest(ProposalDraft draft) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Encode(draft))));

    /// <summary>The message a governor signs to <paramref name="action"/> ("approve" or "cancel") the proposal with <paramref name="digest"/>.</summary>
    public static byte[] SigningMessage(string action, string proposalId, string digest) =>
        Encoding.UTF8.GetBytes($"clearing-governance-v1\n{action}\n{proposalId}\n{digest}");

    public static string Sign(Key key, string action, string proposalId, string digest) =>
        Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(key, SigningMessage(action, proposalId, digest)));

    public static bool Verify(PublicKey key, string action, string proposalId, string digest, string? signatureBase64)
    {
        var signature = new byte[96];
        return !string.IsNullOrWhiteSpace(signatureBase64)
            && Convert.TryFromBase64String(signatureBase64, signature, out var length) && length == SignatureAlgorithm.Ed25519.SignatureSize
            && SignatureAlgorithm.Ed25519.Verify(key, SigningMessage(action, proposalId, digest), signature.AsSpan(0, length));
    }

    public static long UnixNanos(DateTimeOffset time) => ParameterTime.UnixNanos(time);

    public static DateTimeOffset FromUnixNanos(long nanos) => ParameterTime.FromUnixNanos(nanos);
}
