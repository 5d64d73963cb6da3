using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults.Configuration;

/// <summary>
/// The "Clearing" section every host shares. Each value has a working default (DESIGN.md §7), so a host starts
/// with no configuration at all; production values come from Helm.
/// </summary>
public sealed class ClearingOptions : IValidatableObject
{
    public const string Section = "Clearing";

    /// <summary>Short service name ("margin"); names the telemetry resource, the data sub-directory and the store schema.</summary>
    [Required(ErrorMessage = "{0} must be set")]
    [RegularExpression("^[a-z][a-z0-9-]{0,62}$", ErrorMessage = "{0} must be lower-case letters, digits and dashes (e.g. \"margin\")")]
    public string ServiceName { get; set; } = "clearing";

    /// <summary>Where embedded stores live. Ignored by git (.gitignore has .clearing/).</summary>
    [Required(ErrorMessage = "{0} must be set")]
    public string DataDirectory { get; set; } = Path.Combine(".", ".clearing", "data");

    /// <summary>
    /// How long the host waits for hosted services to stop (consumers drain, producers flush) before it exits.
    /// 25 s stays below Kubernetes' default 30 s termination grace period, so our own shutdown finishes before SIGKILL.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "{0} must be between 00:00:01 and 00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>gRPC (HTTP/2) endpoint: the service API.</summary>
    [ValidateObjectMembers]
    public EndpointOptions Grpc { get; set; } = new() { Port = 7100 };

    /// <summary>Plain HTTP/1.1 endpoint for /health/* and /metrics, so probes and scrapers need no HTTP/2.</summary>
    [ValidateObjectMembers]
    public EndpointOptions Http { get; set; } = new() { Port = 8100 };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Grpc.Port == Http.Port)
        {
            yield return new ValidationResult(
                $"{Section}:Grpc:Port and {Section}:Http:Port must differ (both are {Grpc.Port})");
        }
    }
}

/// <summary>One listening endpoint.</summary>
public sealed class EndpointOptions : IValidatableObject
{
    [Range(1, 65535, ErrorMessage = "{0} must be 1..65535")]
    public int Port { get; set; }

    /// <summary>
    /// IP address to bind; "0.0.0.0" listens on every interface. Set 127.0.0.1 when a Dapr sidecar fronts the app:
    /// only then are the sidecar's calls trusted (see ClearingAuthOptions.Dapr).
    /// </summary>
    [Required(ErrorMessage = "{0} must be set")]
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>Optional TLS (PEM files mounted from a Kubernetes Secret). Only meaningful on the gRPC endpoint.</summary>
    [ValidateObjectMembers]
    public TlsOptions Tls { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!System.Net.IPAddress.TryParse(Address, out _))
        {
            yield return new ValidationResult($"must be an IP address, not '{Address}'", [nameof(Address)]);
        }
    }
}

/// <summary>Server certificate for the gRPC endpoint. When set, the endpoint asks for (but does not require) client certificates.</summary>
public sealed class TlsOptions : IValidatableObject
{
    public string? CertificatePath { get; set; }

    public string? KeyPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(KeyPath))
            {
                yield return new ValidationResult("is set but CertificatePath is not", [nameof(KeyPath)]);
            }

            yield break;
        }

        if (!File.Exists(CertificatePath))
        {
            yield return new ValidationResult($"'{CertificatePath}' does not exist", [nameof(CertificatePath)]);
        }

        if (string.IsNullOrWhiteSpace(KeyPath))
        {
            yield return new ValidationResult("must be set when CertificatePath is set", [nameof(KeyPath)]);
        }
        else if (!File.Exists(KeyPath))
        {
            yield return new ValidationResult($"'{KeyPath}' does not exist", [nameof(KeyPath)]);
        }
    }
}
