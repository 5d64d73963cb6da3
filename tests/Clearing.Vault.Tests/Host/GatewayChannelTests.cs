using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Clearing.Vault.Application;
using Clearing.Vault.Integration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Clearing.Vault.Tests.Host;

/// <summary>
/// Vault:Quoting:GatewayCaCertificatePath: the vault's channel to the order gateway trusts a private CA (cert-manager's)
/// besides the system store, and a path that is missing or not a PEM certificate stops the start naming the key.
/// </summary>
public sealed class GatewayChannelTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-vault-ca", Guid.NewGuid().ToString("N"));

    public GatewayChannelTests() => Directory.CreateDirectory(_directory);

    private static List<string> Problems(VaultOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? string.Empty)];
    }

    private static VaultOptions Quoting(string caPath, string address = "https://order-gateway:7101") => new()
    {
        Quoting = new QuotingOptions { Enabled = true, PrivateKey = Convert.ToBase64String(new byte[32]), GatewayAddress = address, GatewayCaCertificatePath = caPath },
    };

    private static X509Certificate2 Authority(string name = "clearing-internal-ca")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Leaf(X509Certificate2 issuer, string host = "localhost")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4, 5, 6, 7, 8]);
        using var withKey = signed.CopyWithPrivateKey(key);
        // Kestrel on Linux wants a certificate whose key it can hand to OpenSSL: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12, "t"), "t");
    }

    private string Pem(X509Certificate2 certificate, string name = "ca.crt")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    [Fact]
    public void a_missing_ca_file_stops_the_start_naming_the_key()
    {
        var problems = Problems(Quoting(Path.Combine(_directory, "absent.crt")));

        problems.ShouldContain(p => p.Contains("Vault:Quoting:GatewayCaCertificatePath") && p.Contains("does not exist"));
    }

    [Fact]
    public void a_file_that_is_not_a_pem_certificate_stops_the_start_naming_the_key()
    {
        var path = Path.Combine(_directory, "ca.crt");
        File.WriteAllText(path, "not a certificate");

        var problems = Problems(Quoting(path));

        problems.ShouldContain(p => p.Contains("Vault:Quoting:GatewayCaCertificatePath") && p.Contains("holds no PEM certificate"));
    }

    [Fact]
    public void a_ca_for_a_plain_text_gateway_address_is_refused()
    {
        using var ca = Authority();

        Problems(Quoting(Pem(ca), "http://order-gateway:7101")).ShouldContain(p => p.Contains("GatewayCaCertificatePath") && p.Contains("is not https"));
    }

    [Fact]
    public void a_readable_ca_is_accepted_and_no_ca_needs_no_file()
    {
        using var ca = Authority();

        Problems(Quoting(Pem(ca))).ShouldBeEmpty();
        Problems(Quoting(string.Empty)).ShouldBeEmpty();
        GatewayChannel.LoadCa(Pem(ca)).Single().Thumbprint.ShouldBe(ca.Thumbprint);
    }

    [Fact]
    public void a_certificate_issued_by_the_ca_is_trusted_and_others_are_not()
    {
        using var ca = Authority();
        using var other = Authority("someone-else");
        using var ours = Leaf(ca);
        using var theirs = Leaf(other);
        var trusted = new X509Certificate2Collection(ca);

        GatewayChannel.Trusts(trusted, ours, null, SslPolicyErrors.RemoteCertificateChainErrors).ShouldBeTrue();
        GatewayChannel.Trusts(trusted, theirs, null, SslPolicyErrors.RemoteCertificateChainErrors).ShouldBeFalse();
        GatewayChannel.Trusts(trusted, ours, null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch).ShouldBeFalse();
        GatewayChannel.Trusts(trusted, null, null, SslPolicyErrors.RemoteCertificateNotAvailable).ShouldBeFalse();
    }

    [Fact]
    public async Task the_channels_handler_completes_a_tls_call_to_a_server_whose_certificate_the_ca_issued()
    {
        using var ca = Authority();
        using var leaf = Leaf(ca);
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l =>
        {
            l.Protocols = HttpProtocols.Http1AndHttp2;
            l.UseHttps(leaf);
        }));
        await using var app = builder.Build();
        app.MapGet("/", () => "gateway");
        await app.StartAsync();

        using (var trusting = new HttpClient(GatewayChannel.Handler(GatewayChannel.LoadCa(Pem(ca)))))
        {
            (await trusting.GetStringAsync(new Uri($"https://localhost:{port}/"))).ShouldBe("gateway");
        }

        // The same server through the system trust store alone (the channel without the option) is refused.
        using var plain = new HttpClient(new SocketsHttpHandler());
        await Should.ThrowAsync<HttpRequestException>(() => plain.GetStringAsync(new Uri($"https://localhost:{port}/")));
        await app.StopAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file may still be open for a moment; the temp directory is cleaned by the OS.
        }
    }
}
