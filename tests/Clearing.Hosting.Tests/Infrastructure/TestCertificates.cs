using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>A throwaway CA and client certificates, as cert-manager or SPIRE would issue inside the cluster.</summary>
internal static class TestCertificates
{
    public const string ServiceUri = "spiffe://clearing.local/ns/clearing/sa/margin";
    public const string OperatorDns = "ops-console.clearing.local";

    public static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    /// <summary>A client certificate with its private key, so it can also be presented in a real TLS handshake.</summary>
    public static X509Certificate2 CreateClient(X509Certificate2 ca, string? dnsName = null, string? uri = null, DateTimeOffset? notAfter = null) =>
        Create(ca, "CN=client", dnsName, uri, notAfter, new Oid("1.3.6.1.5.5.7.3.2"));

    /// <summary>A TLS server certificate for 127.0.0.1 and localhost.</summary>
    public static X509Certificate2 CreateServer(X509Certificate2 ca) =>
        Create(ca, "CN=localhost", "localhost", uri: null, notAfter: null, new Oid("1.3.6.1.5.5.7.3.1"), IPAddress.Loopback);

    private static X509Certificate2 Create(X509Certificate2 ca, string subject, string? dnsName, string? uri, DateTimeOffset? notAfter, Oid usage, IPAddress? ip = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (dnsName is not null)
        {
            names.AddDnsName(dnsName);
        }

        if (uri is not null)
        {
            names.AddUri(new Uri(uri));
        }

        if (ip is not null)
        {
            names.AddIpAddress(ip);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        var notBefore = (notAfter ?? DateTimeOffset.UtcNow.AddDays(30)).AddDays(-60);
        var serial = RandomNumberGenerator.GetBytes(12);
        using var certificate = request.Create(ca, notBefore, notAfter ?? DateTimeOffset.UtcNow.AddDays(30), serial);
        // Through PKCS#12 so the key is a persisted one: Linux TLS wants a certificate whose key it can load.
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }
}
