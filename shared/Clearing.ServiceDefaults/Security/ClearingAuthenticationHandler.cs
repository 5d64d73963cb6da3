using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// Establishes who is calling, from exactly one credential:
/// <list type="bullet">
/// <item>x-clearing-account + signature headers → Trader (the account's registered key);</item>
/// <item>x-clearing-operator + signature headers → Operator (a key from Clearing:Auth:Operators);</item>
/// <item>a TLS client certificate → Service and/or Operator (chain to the configured CA, allowed SAN);</item>
/// <item>dapr-api-token from the local sidecar → Service (the verified dapr-caller-app-id).</item>
/// </list>
/// A request with none is anonymous (only health and metrics accept it); a request whose credential does not
/// hold up fails with the reason, which the caller receives as gRPC Unauthenticated.
/// </summary>
internal sealed class ClearingAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IOptions<ClearingAuthOptions> authOptions,
    ITraderKeyDirectory traderKeys,
    OperatorKeyRing operatorKeys,
    INonceLedger nonces,
    ClientCertificateAuthenticator certificates,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "Clearing";

    /// <summary>HttpContext.Items key holding why authentication failed, for the refusal message.</summary>
    public const string FailureReasonKey = "clearing.auth.failure";

    internal const string DaprApiTokenHeader = "dapr-api-token";
    internal const string DaprCallerAppIdHeader = "dapr-caller-app-id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers;
        var account = headers[RequestSignature.AccountHeader].ToString();
        var @operator = headers[RequestSignature.OperatorHeader].ToString();
        if (account.Length > 0 && @operator.Length > 0)
        {
            return Refuse($"both {RequestSignature.AccountHeader} and {RequestSignature.OperatorHeader} are present: sign as one identity");
        }

        if (account.Length > 0)
        {
            return await AuthenticateSignatureAsync(SignerKind.Trader, account);
        }

        if (@operator.Length > 0)
        {
            return await AuthenticateSignatureAsync(SignerKind.Operator, @operator);
        }

        var certificate = await Context.Connection.GetClientCertificateAsync(Context.RequestAborted);
        if (certificate is not null)
        {
            return AuthenticateCertificate(certificate);
        }

        if (headers.ContainsKey(DaprApiTokenHeader))
        {
            return AuthenticateDaprSidecar();
        }

        return AuthenticateResult.NoResult();
    }

    private async Task<AuthenticateResult> AuthenticateSignatureAsync(SignerKind kind, string signer)
    {
        var options = authOptions.Value;
        var who = kind == SignerKind.Trader ? $"account '{signer}'" : $"operator key '{signer}'";
        if (!RequestSignature.IsWellFormedSigner(signer))
        {
            return Refuse($"{(kind == SignerKind.Trader ? RequestSignature.AccountHeader : RequestSignature.OperatorHeader)} must be 1-128 characters of [A-Za-z0-9._:-]");
        }

        var timestampText = Request.Headers[RequestSignature.TimestampHeader].ToString();
        var nonce = Request.Headers[RequestSignature.NonceHeader].ToString();
        var signatureText = Request.Headers[RequestSignature.SignatureHeader].ToString();
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestampMs))
        {
            return Refuse($"{RequestSignature.TimestampHeader} must be Unix time in milliseconds, got '{Truncate(timestampText)}'");
        }

        var now = time.GetUtcNow();
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(timestampMs, 0, 253402300799999));
        var offset = now - timestamp;
        if (offset.Duration() > options.MaxClockSkew)
        {
            return Refuse(offset > TimeSpan.Zero
                ? $"request timestamp is stale: {offset.TotalSeconds:0.#} s old, the limit is {options.MaxClockSkew.TotalSeconds:0.#} s"
                : $"request timestamp is {(-offset).TotalSeconds:0.#} s in the future, the limit is {options.MaxClockSkew.TotalSeconds:0.#} s");
        }

        if (!RequestSignature.IsWellFormedNonce(nonce))
        {
            return Refuse($"{RequestSignature.NonceHeader} must be 16-128 characters of [A-Za-z0-9_-]");
        }

        var signature = new byte[64];
        if (!Convert.TryFromBase64String(signatureText, signature, out var signatureLength) || signatureLength != 64)
        {
            return Refuse($"{RequestSignature.SignatureHeader} must be a base64 Ed25519 signature (64 bytes)");
        }

        var key = kind == SignerKind.Trader
            ? await traderKeys.FindAsync(signer, Context.RequestAborted)
            : operatorKeys.Find(signer);
        if (key is null)
        {
            return Refuse(kind == SignerKind.Trader
                ? $"account '{signer}' has no registered signing key"
                : $"operator key '{signer}' is not configured (Clearing:Auth:Operators)");
        }

        var (bodyHash, bodyProblem) = await HashSignedBodyAsync(options.MaxSignedBodyBytes);
        if (bodyProblem is not null)
        {
            return Refuse(bodyProblem);
        }

        var canonical = RequestSignature.CanonicalBytesFromHash(kind, signer, Request.Method, Request.Path.Value ?? "/", timestampMs, nonce, bodyHash);
        if (!SignatureAlgorithm.Ed25519.Verify(key, canonical, signature))
        {
            return Refuse($"signature does not verify for {who} (signed bytes: method, path, timestamp, nonce and body hash; see RequestSignature)");
        }

        // Only a verified request may spend a nonce; otherwise anyone could burn a trader's future nonces.
        switch (nonces.TryUse($"{kind}:{signer}", nonce, timestamp))
        {
            case NonceUse.Replayed:
                return Refuse($"nonce '{nonce}' was already used by {who}: replayed request");
            case NonceUse.LedgerFull:
                return Refuse("too many signed requests in the freshness window; retry shortly");
        }

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, signer));
        identity.AddClaim(new Claim(ClearingClaims.Credential, "signature"));
        if (kind == SignerKind.Trader)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, ClearingRoles.Trader));
            identity.AddClaim(new Claim(ClearingClaims.Account, signer));
        }
        else
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, ClearingRoles.Operator));
            identity.AddClaim(new Claim(ClearingClaims.Operator, signer));
        }

        return Success(identity);
    }

    /// <summary>
    /// SHA-256 of what the client signed: the protobuf bytes of the one request message for gRPC, the raw body
    /// otherwise. The body is buffered so the endpoint still reads it.
    /// </summary>
    private async Task<(byte[] Hash, string? Problem)> HashSignedBodyAsync(int maxBytes)
    {
        var grpcMethod = Context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
        if (grpcMethod is { Type: MethodType.ClientStreaming or MethodType.DuplexStreaming })
        {
            return ([], $"{grpcMethod.FullName} is a streaming-request method: only unary and server-streaming calls carry one signed request message");
        }

        if (Request.ContentLength > maxBytes)
        {
            return ([], $"signed request body is larger than Clearing:Auth:MaxSignedBodyBytes ({maxBytes} bytes)");
        }

        Request.EnableBuffering(bufferThreshold: 64 * 1024);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await Request.Body.ReadAsync(chunk, Context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return ([], $"signed request body is larger than Clearing:Auth:MaxSignedBodyBytes ({maxBytes} bytes)");
            }

            buffer.Write(chunk, 0, read);
        }

        Request.Body.Position = 0;
        var body = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (grpcMethod is null)
        {
            return (SHA256.HashData(body), null);
        }

        // gRPC length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length, the message.
        if (body.Length < 5)
        {
            return ([], "signed gRPC request carries no message");
        }

        if (body[0] != 0)
        {
            return ([], "signed gRPC requests must not use message compression (the signature covers the uncompressed bytes)");
        }

        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body[1..5]);
        if (length != body.Length - 5)
        {
            return ([], "signed gRPC request must carry exactly one message");
        }

        return (SHA256.HashData(body[5..]), null);
    }

    private AuthenticateResult AuthenticateCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var verdict = certificates.Verify(certificate);
        if (verdict.Problem is not null)
        {
            return Refuse(verdict.Problem);
        }

        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, verdict.Name!));
        identity.AddClaim(new Claim(ClearingClaims.Credential, "client-certificate"));
        if (verdict.IsService)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, ClearingRoles.Service));
            identity.AddClaim(new Claim(ClearingClaims.Service, verdict.Name!));
        }

        if (verdict.IsOperator)
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, ClearingRoles.Operator));
            identity.AddClaim(new Claim(ClearingClaims.Operator, verdict.Name!));
        }

        return Success(identity);
    }

    private AuthenticateResult AuthenticateDaprSidecar()
    {
        var dapr = authOptions.Value.Dapr;
        if (string.IsNullOrEmpty(dapr.AppApiToken))
        {
            return Refuse("dapr-api-token presented but no app API token is configured (APP_API_TOKEN or Clearing:Auth:Dapr:AppApiToken)");
        }

        var remote = Context.Connection.RemoteIpAddress;
        if (remote is null || !IPAddress.IsLoopback(remote))
        {
            return Refuse($"dapr-api-token is accepted only from the local sidecar over loopback; this request came from {remote?.ToString() ?? "an unknown address"}");
        }

        var presented = Encoding.UTF8.GetBytes(Request.Headers[DaprApiTokenHeader].ToString());
        if (!CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(dapr.AppApiToken)))
        {
            return Refuse("dapr-api-token does not match the configured app API token");
        }

        var appId = Request.Headers[DaprCallerAppIdHeader].ToString();
        if (dapr.AllowedAppIds.Count > 0 && !dapr.AllowedAppIds.Contains(appId, StringComparer.Ordinal))
        {
            return Refuse($"Dapr app '{appId}' is not an allowed caller (Clearing:Auth:Dapr:AllowedAppIds)");
        }

        var name = appId.Length > 0 ? appId : "dapr-sidecar";
        var identity = new ClaimsIdentity(SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        identity.AddClaim(new Claim(ClearingClaims.Credential, "dapr"));
        identity.AddClaim(new Claim(ClaimTypes.Role, ClearingRoles.Service));
        identity.AddClaim(new Claim(ClearingClaims.Service, name));
        return Success(identity);
    }

    private AuthenticateResult Success(ClaimsIdentity identity) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));

    private AuthenticateResult Refuse(string reason)
    {
        Context.Items[FailureReasonKey] = reason;
        return AuthenticateResult.Fail(reason);
    }

    private static string Truncate(string text) => text.Length <= 32 ? text : text[..32] + "…";
}
