using System.Net;
using System.Net.Sockets;
using Clearing.Contracts.Ops.V1;
using Clearing.Hosting.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace Clearing.Hosting.Tests;

/// <summary>Real sockets: the two configured ports speak the protocols probes and gRPC clients expect.</summary>
public sealed class KestrelEndpointTests
{
    [Fact]
    public async Task health_is_served_over_http1_on_the_http_port_and_grpc_over_http2_on_the_grpc_port()
    {
        var (grpcPort, httpPort) = (FreePort(), FreePort());
        await using var app = await ProbeApp.StartAsync(new Dictionary<string, string?>
        {
            ["Clearing:Grpc:Port"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Clearing:Grpc:Address"] = "127.0.0.1",
            ["Clearing:Http:Port"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Clearing:Http:Address"] = "127.0.0.1",
        }, useTestServer: false);

        using var http = new HttpClient();
        var live = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{httpPort}/health/live") { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var refusal = await Should.ThrowAsync<RpcException>(async () =>
            await new Replay.ReplayClient(channel).RebuildProjectionAsync(new RebuildProjectionRequest { Projection = "x", Reason = "y" }));

        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        live.Version.ShouldBe(HttpVersion.Version11);
        refusal.StatusCode.ShouldBe(StatusCode.Unauthenticated);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
