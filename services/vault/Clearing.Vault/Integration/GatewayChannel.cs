using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Clearing.Vault.Application;
using Grpc.Net.Client;

namespace Clearing.Vault.Integration;

/// <summary>
/// The vault's gRPC channel to the order gateway. In a cluster the gateway's certificate is usually issued by a private
/// CA (cert-manager's internal issuer) that no system trust store holds: Vault:Quoting:GatewayCaCertificatePath names
/// that CA's PEM file (a bundle may hold several), and a gateway certificate chaining to it is trusted on this channel
/// only. Certificates the system trusts still pass; host name checks are never relaxed.
/// </summary>
public static class GatewayChannel
{
    public const string CaKey = $"{VaultOptions.Section}:Quoting:GatewayCaCertificatePath";

    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    public static GrpcChannel Create(QuotingOptions quoting)
    {
        ArgumentNullException.ThrowIfNull(quoting);
        if (string.IsNullOrWhiteSpace(quoting.GatewayCaCertificatePath))
        {
            return GrpcChannel.ForAddress(quoting.GatewayAddress);
        }

        return GrpcChannel.ForAddress(quoting.GatewayAddress, new GrpcChannelOptions { HttpHandler = Handler(LoadCa(quoting.GatewayCaCertificatePath)), DisposeHttpClient = true });
    }

    /// <summary>An HTTP handler that trusts, besides the system store, gateway certificates chaining to <paramref name="ca"/>.</summary>
    public static SocketsHttpHandler Handler(X509Certificate2Collection ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Trusts(ca, certificate as X509Certificate2, chain, errors);
        return handler;
    }

    /// <summary>
    /// Accepts what the system trusts; otherwise only a certificate whose single problem is an untrusted chain and that
    /// chains to one of <paramref name="ca"/> (intermediates as the server sent them), valid for server authentication.
    /// </summary>
    public static bool Trusts(X509Certificate2Collection ca, X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;   // no certificate, or its name does not match the gateway's host: a private CA changes neither
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        // In-cluster certificates are short-lived and rotated by cert-manager; a CRL endpoint would be one more dependency.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    /// <summary>The CA certificates of a PEM file, or why they cannot be used, naming <see cref="CaKey"/>.</summary>
    public static X509Certificate2Collection LoadCa(string path)
    {
        var problem = CaProblem(path, out var ca);
        return problem is null ? ca! : throw new InvalidOperationException(problem);
    }

    /// <summary>Null when <paramref name="path"/> is a readable PEM file holding at least one certificate; otherwise the problem.</summary>
    public static string? CaProblem(string path, out X509Certificate2Collection? ca)
    {
        ca = null;
        if (!File.Exists(path))
        {
            return $"{CaKey} is '{path}', which does not exist (the PEM file of the CA that issued the order gateway's certificate, e.g. cert-manager's ca.crt)";
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{CaKey} is '{path}', which cannot be read: {e.Message}";
        }

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            return $"{CaKey} is '{path}', which is not a PEM certificate file: {e.Message}";
        }

        if (certificates.Count == 0)
        {
            return $"{CaKey} is '{path}', which holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)";
        }

        ca = certificates;
        return null;
    }
}
