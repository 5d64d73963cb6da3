using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using NSec.Cryptography;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// Client side of <see cref="RequestSignature"/>: signs requests with a trader's or operator's Ed25519 key.
/// Used by the CLI and by tests; a trader SDK in another language implements the same canonical string.
/// </summary>
public sealed class RequestSigner(Key key, SignerKind kind, string signer, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public SignerKind Kind => kind;

    public string Signer => signer;

    /// <summary>The headers to send with a request; <paramref name="timestamp"/> and <paramref name="nonce"/> are for tests of refusal paths.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sign(string httpMethod, string path, ReadOnlySpan<byte> body, DateTimeOffset? timestamp = null, string? nonce = null)
    {
        var unixMs = (timestamp ?? _time.GetUtcNow()).ToUnixTimeMilliseconds();
        nonce ??= RequestSignature.NewNonce();
        var canonical = RequestSignature.CanonicalBytes(kind, signer, httpMethod, path, unixMs, nonce, body);
        var signature = SignatureAlgorithm.Ed25519.Sign(key, canonical);
        return
        [
            new(kind == SignerKind.Trader ? RequestSignature.AccountHeader : RequestSignature.OperatorHeader, signer),
            new(RequestSignature.TimestampHeader, unixMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(RequestSignature.NonceHeader, nonce),
            new(RequestSignature.SignatureHeader, Convert.ToBase64String(signature)),
        ];
    }

    /// <summary>
    /// gRPC metadata for one call carrying <paramref name="request"/>. <paramref name="fullMethodName"/> may be given as
    /// "package.Service/Method" or as Grpc.Core's Method.FullName "/package.Service/Method"; both sign the request path.
    /// </summary>
    public Metadata SignGrpc(string fullMethodName, IMessage request, DateTimeOffset? timestamp = null, string? nonce = null)
    {
        var metadata = new Metadata();
        var path = fullMethodName.StartsWith('/') ? fullMethodName : "/" + fullMethodName;
        foreach (var (name, value) in Sign("POST", path, request.ToByteArray(), timestamp, nonce))
        {
            metadata.Add(name, value);
        }

        return metadata;
    }

    /// <summary>An interceptor that signs every unary and server-streaming call made through it.</summary>
    public Interceptor AsInterceptor() => new SigningInterceptor(this);

    private sealed class SigningInterceptor(RequestSigner signer) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, Signed(request, context));

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, Signed(request, context));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, Signed(request, context));

        private ClientInterceptorContext<TRequest, TResponse> Signed<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context)
            where TRequest : class
            where TResponse : class
        {
            if (request is not IMessage message)
            {
                throw new InvalidOperationException($"Only protobuf requests can be signed; {typeof(TRequest).Name} is not an IMessage.");
            }

            var headers = context.Options.Headers ?? new Metadata();
            foreach (var entry in signer.SignGrpc(context.Method.FullName, message))
            {
                headers.Add(entry);
            }

            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }
    }
}
