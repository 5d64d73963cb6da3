namespace Clearing.ServiceDefaults.Resilience;

/// <summary>
/// The named, shared Polly pipelines (DESIGN.md §6). Resolve with
/// <c>ResiliencePipelineProvider&lt;string&gt;.GetPipeline(ResiliencePipelineNames.Store)</c>; "http" is typed
/// (<c>GetPipeline&lt;HttpResponseMessage&gt;("http")</c>) because it also retries on status codes.
/// </summary>
public static class ResiliencePipelineNames
{
    public const string Kafka = "kafka";
    public const string Store = "store";
    public const string Dapr = "dapr";
    public const string Http = "http";
}
