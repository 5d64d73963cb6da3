using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// "Clearing:Auth": the keys and trust anchors that decide who may call what. Every value here is public key
/// material, a CA certificate or a shared token, supplied by configuration backed by Kubernetes Secrets
/// (environment variables or files mounted into the pod), never committed to the repository. With nothing
/// configured the service still starts: health and metrics answer, and every other endpoint refuses.
/// </summary>
public sealed class ClearingAuthOptions : IValidatableObject
{
    public const string Section = "Clearing:Auth";

    /// <summary>How far a signed request's timestamp may be from the server clock; also how long nonces are remembered.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "{0} must be between 00:00:01 and 00:10:00")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest request body hashed for a signature; bigger signed requests are refused.</summary>
    [Range(1024, 16 * 1024 * 1024, ErrorMessage = "{0} must be 1024..16777216")]
    public int MaxSignedBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Most nonces remembered at once (each for <see cref="MaxClockSkew"/> × 2); beyond it signed requests are refused.</summary>
    [Range(1000, 50_000_000, ErrorMessage = "{0} must be 1000..50000000")]
    public int NonceCapacity { get; set; } = 2_000_000;

    /// <summary>
    /// Trader account id → base64 Ed25519 public key (32 bytes). The default key directory; a service with an
    /// account registry replaces <see cref="ITraderKeyDirectory"/>.
    /// </summary>
    public Dictionary<string, string> Traders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Operator key id → base64 Ed25519 public key (32 bytes).</summary>
    public Dictionary<string, string> Operators { get; set; } = new(StringComparer.Ordinal);

    /// <summary>PEM file of the CA that issues in-cluster client certificates (cert-manager / SPIRE), mounted from a Secret.</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>The same CA as PEM text (for an environment variable from a Secret); used when <see cref="ClientCaPath"/> is not set.</summary>
    public string? ClientCaPem { get; set; }

    /// <summary>Subject alternative names (DNS or URI, e.g. "spiffe://clearing/ns/clearing/sa/margin") accepted as services.</summary>
    public List<string> ServiceNames { get; set; } = [];

    /// <summary>Subject alternative names of client certificates accepted as operators.</summary>
    public List<string> OperatorCertificateNames { get; set; } = [];

    [ValidateObjectMembers]
    public DaprCallerOptions Dapr { get; set; } = new();

    public X509Certificate2? LoadClientCa()
    {
        if (!string.IsNullOrWhiteSpace(ClientCaPath))
        {
            return X509Certificate2.CreateFromPem(File.ReadAllText(ClientCaPath));
        }

        return string.IsNullOrWhiteSpace(ClientCaPem) ? null : X509Certificate2.CreateFromPem(ClientCaPem);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var id in Traders.Keys.Concat(Operators.Keys).Where(id => !RequestSignature.IsWellFormedSigner(id)))
        {
            // Such an id could never appear in a signed request's header, so the entry is a typo, not a key.
            yield return new ValidationResult($"{Section}:{(Traders.ContainsKey(id) ? "Traders" : "Operators")}:{id} is not a valid id: use 1-128 characters of [A-Za-z0-9._:-]");
        }

        foreach (var (account, key) in Traders)
        {
            if (Ed25519Keys.TryParsePublicKey(key, out _) is { } problem)
            {
                yield return new ValidationResult($"{Section}:Traders:{account} {problem}");
            }
        }

        foreach (var (id, key) in Operators)
        {
            if (Ed25519Keys.TryParsePublicKey(key, out _) is { } problem)
            {
                yield return new ValidationResult($"{Section}:Operators:{id} {problem}");
            }
        }

        var hasCa = !string.IsNullOrWhiteSpace(ClientCaPath) || !string.IsNullOrWhiteSpace(ClientCaPem);
        if (!string.IsNullOrWhiteSpace(ClientCaPath) && !File.Exists(ClientCaPath))
        {
            yield return new ValidationResult($"{Section}:ClientCaPath '{ClientCaPath}' does not exist");
        }
        else if (hasCa && CaProblem() is { } caProblem)
        {
            yield return new ValidationResult($"{Section}:{(string.IsNullOrWhiteSpace(ClientCaPath) ? "ClientCaPem" : "ClientCaPath")} {caProblem}");
        }

        if (!hasCa && (ServiceNames.Count > 0 || OperatorCertificateNames.Count > 0))
        {
            yield return new ValidationResult($"{Section}:ClientCaPath (or ClientCaPem) must be set when ServiceNames or OperatorCertificateNames are");
        }
    }

    private string? CaProblem()
    {
        try
        {
            using var ca = LoadClientCa();
            return ca is null ? "holds no certificate" : null;
        }
        catch (CryptographicException ex)
        {
            return $"is not a PEM certificate: {ex.Message}";
        }
    }
}

/// <summary>
/// Calls that arrive through a Dapr sidecar. Dapr authenticates sidecar-to-sidecar traffic with its own mTLS
/// (Sentry-issued certificates) and forwards the verified caller as the "dapr-caller-app-id" header; the app
/// can only trust that header when the request really came from its own sidecar. So a call counts as Service
/// only when (1) an app API token is configured and the request's "dapr-api-token" matches it, and (2) it
/// arrived over loopback, i.e. the app listens on 127.0.0.1 behind the sidecar.
/// </summary>
public sealed class DaprCallerOptions
{
    /// <summary>The token the sidecar sends; when unset, the APP_API_TOKEN environment variable (Dapr's own name) is used.</summary>
    public string? AppApiToken { get; set; }

    /// <summary>Dapr app ids allowed to call; empty means any app the Dapr access-control policy lets through.</summary>
    public List<string> AllowedAppIds { get; set; } = [];
}
