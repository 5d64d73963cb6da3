using System.Text.Json;

namespace Clearing.Cli.Stack;

/// <summary>
/// Where a running `clearing up` listens: written to &lt;data&gt;/stack.json once every service is ready and removed when
/// the stack stops, so `simulate`, `stress` and scripts find the services without being told the ports.
/// </summary>
internal sealed record StackEndpoints(string KafkaBootstrap, SortedDictionary<string, ServiceEndpoint> Services, int ProcessId)
{
    public const string FileName = "stack.json";

    public static string PathIn(DirectoryInfo data) => Path.Combine(data.FullName, FileName);

    public void Write(DirectoryInfo data) => File.WriteAllText(PathIn(data), JsonSerializer.Serialize(this, Json));

    /// <summary>The endpoints of the stack running over <paramref name="data"/>, or null (with the reason) when none is.</summary>
    public static StackEndpoints? TryRead(DirectoryInfo data, out string problem)
    {
        var path = PathIn(data);
        if (!File.Exists(path))
        {
            problem = $"no running stack: {path} does not exist (start one with `clearing up --data {data.FullName}`)";
            return null;
        }
        var endpoints = JsonSerializer.Deserialize<StackEndpoints>(File.ReadAllText(path), Json);
        if (endpoints is null)
        {
            problem = $"{path} is empty";
            return null;
        }
        problem = "";
        return endpoints;
    }

    public Uri Grpc(string service) =>
        Services.TryGetValue(service, out var endpoint)
            ? new Uri($"http://127.0.0.1:{endpoint.GrpcPort}")
            : throw new KeyNotFoundException($"the stack runs no '{service}' (it runs: {string.Join(", ", Services.Keys)})");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

internal sealed record ServiceEndpoint(int GrpcPort, int HttpPort, int ProcessId);
