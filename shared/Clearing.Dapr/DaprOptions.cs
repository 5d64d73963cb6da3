using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Clearing.Dapr;

/// <summary>
/// The <c>Dapr</c> configuration section. With <see cref="Enabled"/> false (the default) state lives in SQLite under
/// <see cref="DataDirectory"/> and pub/sub is in-process; with it true both go through the sidecar.
/// </summary>
public sealed class DaprOptions
{
    public const string SectionName = "Dapr";

    public bool Enabled { get; set; }

    /// <summary>The state store component name (k8s/dapr/statestore.yaml).</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>The pub/sub component name (k8s/dapr/pubsub.yaml).</summary>
    public string PubSubName { get; set; } = "pubsub";

    /// <summary>
    /// The sidecar's gRPC endpoint, e.g. <c>http://127.0.0.1:50001</c>. Empty means the SDK's defaults:
    /// DAPR_GRPC_ENDPOINT, else DAPR_GRPC_PORT on 127.0.0.1, which <c>dapr run</c> and the injector set.
    /// </summary>
    public string? GrpcEndpoint { get; set; }

    /// <summary>
    /// Where the embedded store keeps its files when Dapr is disabled. Unset, it is the service's own directory
    /// beside its event store: <c>{Clearing:DataDirectory}/{service}</c> (see <see cref="DefaultDataDirectory"/>).
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// <c>{Clearing:DataDirectory or .clearing/data}/{slug of Clearing:ServiceName or the entry assembly}</c>, the
    /// same directory rule as the event store's SQLite file, so one service's embedded files sit together and two
    /// services never share a state file (Dapr isolates them by app-id key prefixes; SQLite files must do it by path).
    /// </summary>
    public static string DefaultDataDirectory(IConfiguration configuration)
    {
        var root = configuration["Clearing:DataDirectory"] ?? Path.Combine(".clearing", "data");
        var service = configuration["Clearing:ServiceName"] ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "clearing";
        return Path.Combine(root, Clearing.Primitives.ServiceName.Slug(service));
    }
}

/// <summary>Rejects configuration that cannot work, naming the key, so the service stops at start-up.</summary>
public sealed partial class DaprOptionsValidator : IValidateOptions<DaprOptions>
{
    public ValidateOptionsResult Validate(string? name, DaprOptions options)
    {
        var failures = new List<string>();
        ValidateComponentName(failures, nameof(DaprOptions.StateStoreName), options.StateStoreName);
        ValidateComponentName(failures, nameof(DaprOptions.PubSubName), options.PubSubName);

        if (!string.IsNullOrWhiteSpace(options.GrpcEndpoint)
            && !(Uri.TryCreate(options.GrpcEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            failures.Add($"{DaprOptions.SectionName}:{nameof(DaprOptions.GrpcEndpoint)} must be an absolute http:// or https:// URI " +
                $"such as http://127.0.0.1:50001; got '{options.GrpcEndpoint}'.");
        }

        if (!options.Enabled && string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add($"{DaprOptions.SectionName}:{nameof(DaprOptions.DataDirectory)} is required when " +
                $"{DaprOptions.SectionName}:{nameof(DaprOptions.Enabled)} is false (the embedded state store lives there).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateComponentName(List<string> failures, string property, string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || !ComponentName().IsMatch(value))
        {
            failures.Add($"{DaprOptions.SectionName}:{property} must be a Dapr component name (lower-case letters, digits, " +
                $"'-' and '.', starting and ending with a letter or digit, at most 63 characters); got '{value}'.");
        }
    }

    // Component names are Kubernetes object names (DNS-1123), so the same name works self-hosted and in a cluster.
    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$")]
    private static partial Regex ComponentName();
}
