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

    public static X509Certificate2 CreateClient(X509Certificate2 ca, string? dnsName = null, string? uri = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (dnsName is not null)
        {
            names.AddDnsName(dnsName);
        }

        if (uri is not null)
        {
            names.AddUri(new Uri(uri));
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        var notBefore = (notAfter ?? DateTimeOffset.UtcNow.AddDays(30)).AddDays(-60);
        var serial = RandomNumberGenerator.GetBytes(12);
        return request.Create(ca, notBefore, notAfter ?? DateTimeOffset.UtcNow.AddDays(30), serial);
    }
}
