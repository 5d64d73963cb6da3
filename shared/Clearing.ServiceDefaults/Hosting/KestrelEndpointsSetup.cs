using System.Net;
using System.Security.Cryptography.X509Certificates;
using Clearing.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults.Hosting;

/// <summary>
/// Two listeners: gRPC on HTTP/2 and health/metrics on HTTP/1.1. Without TLS a port can speak only one of the two
/// (HTTP/2 without TLS needs prior knowledge), and kubelet probes and Prometheus speak plain HTTP/1.1.
/// Runs when Kestrel starts, after configuration is complete (TestServer never runs it).
/// </summary>
internal sealed class KestrelEndpointsSetup(IOptions<ClearingOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var clearing = options.Value;
        kestrel.Listen(IPAddress.Parse(clearing.Grpc.Address), clearing.Grpc.Port, listen =>
        {
            if (clearing.Grpc.Tls.Enabled)
            {
                // With TLS, ALPN negotiates the protocol, so HTTP/1.1 clients (curl, grpc-web proxies) still connect.
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                var certificate = X509Certificate2.CreateFromPemFile(clearing.Grpc.Tls.CertificatePath!, clearing.Grpc.Tls.KeyPath);
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = certificate,
                    // Traders reach the gateway without a client certificate, services present theirs: ask, don't require.
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    // The TLS layer accepts any client certificate; ClearingAuthenticationHandler checks it against
                    // the configured CA and allowed names, so a refusal carries a reason instead of a dropped handshake.
                    ClientCertificateValidation = (_, _, _) => true,
                });
            }
            else
            {
                listen.Protocols = HttpProtocols.Http2;
            }
        });
        kestrel.Listen(IPAddress.Parse(clearing.Http.Address), clearing.Http.Port, listen => listen.Protocols = HttpProtocols.Http1);
    }
}
