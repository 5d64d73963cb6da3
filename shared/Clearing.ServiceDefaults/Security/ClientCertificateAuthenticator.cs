using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace Clearing.ServiceDefaults.Security;

/// <summary>The outcome of checking a client certificate: the roles it earns, or why it earns none.</summary>
internal sealed record CertificateVerdict(string? Name, bool IsService, bool IsOperator, string? Problem);

/// <summary>
/// mTLS inside the cluster: a client certificate counts only when it chains to the configured CA (and to nothing
/// else: the system trust store is ignored) and one of its subject alternative names is on an allow list.
/// Revocation is not checked: in-cluster certificates are short-lived (cert-manager / SPIRE rotate them in hours),
/// and a CRL endpoint would be one more thing that can take every call down.
/// </summary>
internal sealed class ClientCertificateAuthenticator : IDisposable
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly X509Certificate2? _ca;
    private readonly HashSet<string> _serviceNames;
    private readonly HashSet<string> _operatorNames;
    private readonly TimeProvider _time;

    public ClientCertificateAuthenticator(IOptions<ClearingAuthOptions> options, TimeProvider time)
    {
        _ca = options.Value.LoadClientCa();
        _serviceNames = new HashSet<string>(options.Value.ServiceNames, StringComparer.OrdinalIgnoreCase);
        _operatorNames = new HashSet<string>(options.Value.OperatorCertificateNames, StringComparer.OrdinalIgnoreCase);
        _time = time;
    }

    public CertificateVerdict Verify(X509Certificate2 certificate)
    {
        if (_ca is null)
        {
            return new(null, false, false, "a client certificate was presented but no client CA is configured (Clearing:Auth:ClientCaPath)");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        if (!chain.Build(certificate))
        {
            var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            return new(null, false, false, $"client certificate '{certificate.Subject}' is not trusted: {(status.Length > 0 ? status : "it does not chain to the configured CA")}");
        }

        var names = SubjectAlternativeNames(certificate);
        var service = names.FirstOrDefault(_serviceNames.Contains);
        var @operator = names.FirstOrDefault(_operatorNames.Contains);
        if (service is null && @operator is null)
        {
            return new(null, false, false,
                $"client certificate names [{string.Join(", ", names)}] are not allowed callers (Clearing:Auth:ServiceNames, Clearing:Auth:OperatorCertificateNames)");
        }

        return new(service ?? @operator, service is not null, @operator is not null, null);
    }

    /// <summary>DNS and URI names (SPIFFE ids are URIs, which the BCL's SAN helper does not enumerate).</summary>
    internal static IReadOnlyList<string> SubjectAlternativeNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
        {
            return names;
        }

        var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
        var sequence = reader.ReadSequence();
        while (sequence.HasData)
        {
            var tag = sequence.PeekTag();
            if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue is 2 or 6)
            {
                names.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag));
            }
            else
            {
                sequence.ReadEncodedValue();
            }
        }

        return names;
    }

    public void Dispose() => _ca?.Dispose();
}
