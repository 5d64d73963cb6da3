using k8s;
using k8s.Models;

namespace Clearing.Deploy.Tests.Support;

/// <summary>
/// Strict models of the custom resources the chart and k8s/ render (Strimzi, Dapr, Prometheus Operator). They hold
/// the fields those operators' CRDs define for what Clearing uses, so a misspelt or misplaced field fails to load as
/// it would fail the CRD's schema. They are this suite's models of those CRDs, not the operators' own schemas.
/// </summary>
internal static class CustomResources
{
    public static readonly IDictionary<string, Type> TypeMap = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        ["kafka.strimzi.io/v1beta2/KafkaTopic"] = typeof(KafkaTopic),
        ["kafka.strimzi.io/v1beta2/KafkaUser"] = typeof(KafkaUser),
        ["dapr.io/v1alpha1/Component"] = typeof(DaprComponent),
        ["dapr.io/v1alpha1/Resiliency"] = typeof(DaprResiliency),
        ["dapr.io/v1alpha1/Configuration"] = typeof(DaprConfiguration),
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(ServiceMonitor),
        ["monitoring.coreos.com/v1/PrometheusRule"] = typeof(PrometheusRule),
    };
}

internal abstract class CustomResource : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();
}

// ---- Strimzi -------------------------------------------------------------------------------------------------

internal sealed class KafkaTopic : CustomResource
{
    public KafkaTopicSpec Spec { get; set; } = new();
}

internal sealed class KafkaTopicSpec
{
    public string? TopicName { get; set; }

    public int Partitions { get; set; }

    public int Replicas { get; set; }

    public Dictionary<string, string> Config { get; set; } = [];
}

internal sealed class KafkaUser : CustomResource
{
    public KafkaUserSpec Spec { get; set; } = new();
}

internal sealed class KafkaUserSpec
{
    public KafkaUserAuthentication Authentication { get; set; } = new();

    public KafkaUserAuthorization? Authorization { get; set; }
}

internal sealed class KafkaUserAuthentication
{
    public string Type { get; set; } = "";
}

internal sealed class KafkaUserAuthorization
{
    public string Type { get; set; } = "";

    public List<KafkaAcl> Acls { get; set; } = [];
}

internal sealed class KafkaAcl
{
    public KafkaAclResource Resource { get; set; } = new();

    public List<string> Operations { get; set; } = [];

    public string? Host { get; set; }

    public string? Type { get; set; }
}

internal sealed class KafkaAclResource
{
    public string Type { get; set; } = "";

    public string? Name { get; set; }

    public string? PatternType { get; set; }
}

// ---- Dapr ----------------------------------------------------------------------------------------------------

internal sealed class DaprComponent : CustomResource
{
    public DaprComponentSpec Spec { get; set; } = new();

    public DaprAuth? Auth { get; set; }

    public List<string>? Scopes { get; set; }
}

internal sealed class DaprComponentSpec
{
    public string Type { get; set; } = "";

    public string Version { get; set; } = "";

    public List<DaprMetadataItem> Metadata { get; set; } = [];

    public string? InitTimeout { get; set; }

    public bool? IgnoreErrors { get; set; }
}

internal sealed class DaprMetadataItem
{
    public string Name { get; set; } = "";

    public string? Value { get; set; }

    public DaprSecretKeyRef? SecretKeyRef { get; set; }
}

internal sealed class DaprSecretKeyRef
{
    public string Name { get; set; } = "";

    public string? Key { get; set; }
}

internal sealed class DaprAuth
{
    public string SecretStore { get; set; } = "";
}

internal sealed class DaprResiliency : CustomResource
{
    public DaprResiliencySpec Spec { get; set; } = new();

    public List<string>? Scopes { get; set; }
}

internal sealed class DaprResiliencySpec
{
    public DaprResiliencyPolicies Policies { get; set; } = new();

    public DaprResiliencyTargets Targets { get; set; } = new();
}

internal sealed class DaprResiliencyPolicies
{
    public Dictionary<string, string>? Timeouts { get; set; }

    public Dictionary<string, DaprRetryPolicy>? Retries { get; set; }

    public Dictionary<string, DaprCircuitBreaker>? CircuitBreakers { get; set; }
}

internal sealed class DaprRetryPolicy
{
    public string Policy { get; set; } = "";

    public string? Duration { get; set; }

    public string? MaxInterval { get; set; }

    public int? MaxRetries { get; set; }
}

internal sealed class DaprCircuitBreaker
{
    public int? MaxRequests { get; set; }

    public string? Interval { get; set; }

    public string? Timeout { get; set; }

    public string? Trip { get; set; }
}

internal sealed class DaprResiliencyTargets
{
    public Dictionary<string, DaprTargetPolicy>? Apps { get; set; }

    public Dictionary<string, DaprComponentTarget>? Components { get; set; }
}

internal sealed class DaprTargetPolicy
{
    public string? Timeout { get; set; }

    public string? Retry { get; set; }

    public string? CircuitBreaker { get; set; }
}

internal sealed class DaprComponentTarget
{
    public DaprTargetPolicy? Inbound { get; set; }

    public DaprTargetPolicy? Outbound { get; set; }
}

internal sealed class DaprConfiguration : CustomResource
{
    public DaprConfigurationSpec Spec { get; set; } = new();
}

internal sealed class DaprConfigurationSpec
{
    public DaprTracing? Tracing { get; set; }

    public DaprMetric? Metric { get; set; }

    public DaprAccessControl? AccessControl { get; set; }
}

internal sealed class DaprTracing
{
    public string SamplingRate { get; set; } = "";
}

internal sealed class DaprMetric
{
    public bool Enabled { get; set; }
}

internal sealed class DaprAccessControl
{
    public string DefaultAction { get; set; } = "";

    public string? TrustDomain { get; set; }

    public List<Dictionary<string, object>>? Policies { get; set; }
}

// ---- Prometheus Operator -------------------------------------------------------------------------------------

internal sealed class ServiceMonitor : CustomResource
{
    public ServiceMonitorSpec Spec { get; set; } = new();
}

internal sealed class ServiceMonitorSpec
{
    public V1LabelSelector Selector { get; set; } = new();

    public ServiceMonitorNamespaceSelector? NamespaceSelector { get; set; }

    public List<ServiceMonitorEndpoint> Endpoints { get; set; } = [];

    public string? JobLabel { get; set; }
}

internal sealed class ServiceMonitorNamespaceSelector
{
    public bool? Any { get; set; }

    public List<string>? MatchNames { get; set; }
}

internal sealed class ServiceMonitorEndpoint
{
    public string? Port { get; set; }

    public string? Path { get; set; }

    public string? Interval { get; set; }

    public string? ScrapeTimeout { get; set; }

    public string? Scheme { get; set; }

    public List<PrometheusRelabeling>? Relabelings { get; set; }

    public List<PrometheusRelabeling>? MetricRelabelings { get; set; }
}

internal sealed class PrometheusRelabeling
{
    public List<string>? SourceLabels { get; set; }

    public string? TargetLabel { get; set; }

    public string? Regex { get; set; }

    public string? Replacement { get; set; }

    public string? Action { get; set; }

    public string? Separator { get; set; }
}

internal sealed class PrometheusRule : CustomResource
{
    public PrometheusRuleSpec Spec { get; set; } = new();
}

internal sealed class PrometheusRuleSpec
{
    public List<PrometheusRuleGroup> Groups { get; set; } = [];
}

internal sealed class PrometheusRuleGroup
{
    public string Name { get; set; } = "";

    public string? Interval { get; set; }

    public List<PrometheusAlertingRule> Rules { get; set; } = [];
}

internal sealed class PrometheusAlertingRule
{
    public string? Alert { get; set; }

    public string? Record { get; set; }

    public string Expr { get; set; } = "";

    public string? For { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }
}
