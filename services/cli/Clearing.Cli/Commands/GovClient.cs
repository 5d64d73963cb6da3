using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.ServiceDefaults.Security;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using NSec.Cryptography;
using GovernanceClient = Clearing.Contracts.Governance.V1.Governance.GovernanceClient;

namespace Clearing.Cli.Commands;

/// <summary>
/// A governor's key: a key file as `clearing gov keygen` writes it (<c>{ "governor": "…", "privateKey": "base64 seed",
/// "publicKey": "base64" }</c>), or a governor of a `clearing up` dev keyring (<c>&lt;data&gt;/dev-keyring.json</c>, its
/// "governors" section; the first one unless a governor id is given).
/// </summary>
internal sealed record GovernorKeyFile(string Governor, Key Key)
{
    public string PublicKey => Convert.ToBase64String(Key.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    public static GovernorKeyFile Read(FileInfo file, string? governorInKeyring = null)
    {
        if (!file.Exists)
        {
            throw new GovCliException($"No key file at {file.FullName} (create one with `clearing gov keygen`).");
        }

        var json = JsonNode.Parse(File.ReadAllText(file.FullName)) as JsonObject
            ?? throw new GovCliException($"{file.FullName} is not a key file (a JSON object with governor and privateKey).");
        if (json["governors"] is JsonObject keyring)
        {
            var entry = governorInKeyring is null ? keyring.FirstOrDefault() : keyring.FirstOrDefault(p => p.Key == governorInKeyring);
            json = entry.Value as JsonObject
                ?? throw new GovCliException($"{file.FullName} has no governor '{governorInKeyring}' (it has: {string.Join(", ", keyring.Select(p => p.Key))}).");
            json["governor"] = entry.Key;
        }

        var governor = json["governor"]?.GetValue<string>();
        var seed = json["privateKey"]?.GetValue<string>();
        var bytes = new byte[48];
        if (string.IsNullOrWhiteSpace(governor) || seed is null || !Convert.TryFromBase64String(seed, bytes, out var length) || length != 32)
        {
            throw new GovCliException($"{file.FullName} needs \"governor\" (the governor id) and \"privateKey\" (base64 of the 32-byte Ed25519 seed).");
        }

        return new GovernorKeyFile(governor, Key.Import(SignatureAlgorithm.Ed25519, bytes.AsSpan(0, 32), KeyBlobFormat.RawPrivateKey));
    }

    public void Write(FileInfo file)
    {
        file.Directory?.Create();
        var json = new JsonObject
        {
            ["governor"] = Governor,
            ["privateKey"] = Convert.ToBase64String(Key.Export(KeyBlobFormat.RawPrivateKey)),
            ["publicKey"] = PublicKey,
        };
        File.WriteAllText(file.FullName, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

/// <summary>A problem the user can fix (bad file, wrong key, refused request); printed without a stack trace.</summary>
internal sealed class GovCliException(string message) : Exception(message);

/// <summary>
/// A Governance client whose calls carry the governor's operator signature (the governance service accepts governor
/// keys as operator keys). The signed path is "/package.Service/Method": gRPC's Method.FullName already starts with
/// the slash.
/// </summary>
internal static class GovConnection
{
    public static GovernanceClient Open(Uri server, GovernorKeyFile key, TimeProvider? time = null) =>
        Open(GrpcChannel.ForAddress(server), key, time);

    public static GovernanceClient Open(GrpcChannel channel, GovernorKeyFile key, TimeProvider? time = null) =>
        new(channel.Intercept(new GovernorSigningInterceptor(new RequestSigner(key.Key, SignerKind.Operator, key.Governor, time))));

    private sealed class GovernorSigningInterceptor(RequestSigner signer) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            var headers = context.Options.Headers ?? new Metadata();
            foreach (var entry in signer.SignGrpc(context.Method.FullName.TrimStart('/'), (IMessage)request))
            {
                headers.Add(entry);
            }

            return continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers)));
        }
    }
}
