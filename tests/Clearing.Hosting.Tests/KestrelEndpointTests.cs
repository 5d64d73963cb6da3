using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
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

    [Fact]
    public async Task with_tls_configured_the_grpc_port_authenticates_a_service_by_its_client_certificate()
    {
        var directory = Directory.CreateTempSubdirectory("clearing-tls-").FullName;
        try
        {
            using var ca = TestCertificates.CreateCa("clearing-cluster-ca");
            using var server = TestCertificates.CreateServer(ca);
            using var client = TestCertificates.CreateClient(ca, uri: TestCertificates.ServiceUri);
            var certificatePath = Path.Combine(directory, "tls.crt");
            var keyPath = Path.Combine(directory, "tls.key");
            await File.WriteAllTextAsync(certificatePath, server.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            var (grpcPort, httpPort) = (FreePort(), FreePort());
            await using var app = await ProbeApp.StartAsync(new Dictionary<string, string?>
            {
                ["Clearing:Grpc:Port"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Clearing:Grpc:Address"] = "127.0.0.1",
                ["Clearing:Grpc:Tls:CertificatePath"] = certificatePath,
                ["Clearing:Grpc:Tls:KeyPath"] = keyPath,
                ["Clearing:Http:Port"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Clearing:Http:Address"] = "127.0.0.1",
                ["Clearing:Auth:ClientCaPem"] = ca.ExportCertificatePem(),
                ["Clearing:Auth:ServiceNames:0"] = TestCertificates.ServiceUri,
            }, useTestServer: false);
            using var handler = new HttpClientHandler
            {
                ClientCertificateOptions = ClientCertificateOption.Manual,
                // Trust exactly the test CA's server certificate, as a pod trusts the cluster CA.
                ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == server.Thumbprint,
            };
            handler.ClientCertificates.Add(client);
            using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{grpcPort}", new GrpcChannelOptions { HttpHandler = handler });

            var refusal = await Should.ThrowAsync<RpcException>(async () =>
                await new Replay.ReplayClient(channel).RebuildProjectionAsync(new RebuildProjectionRequest { Projection = "x", Reason = "y" }));

            // Authenticated as the service named in its certificate, and refused only because Replay is operator-only.
            refusal.StatusCode.ShouldBe(StatusCode.PermissionDenied);
            refusal.Status.Detail.ShouldBe($"service '{TestCertificates.ServiceUri}' may not call /clearing.ops.v1.Replay/RebuildProjection: allowed callers are operator");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
