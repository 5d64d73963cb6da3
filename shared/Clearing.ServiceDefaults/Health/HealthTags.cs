namespace Clearing.ServiceDefaults.Health;

/// <summary>
/// Health check tags. Every shared adapter (Kafka, event store, Dapr) tags its check "ready"; /health/ready runs
/// exactly those, /health/live runs only "live" checks (the process answers), so a broken dependency takes a pod
/// out of the load balancer without making Kubernetes restart it.
/// </summary>
public static class HealthTags
{
    public const string Live = "live";
    public const string Ready = "ready";
}
