using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.OrderGateway.Application;

// Stored in "gateway-{account}". They are the gateway's nonce and idempotency memory (a restart reloads them) and its
// outbox: CommandAccepted carries the public OrderCommand, as protobuf JSON so an operator can read it.

[EventType("gateway.command-accepted.v1")]
public sealed record CommandAccepted(
    string AccountId,
    string Market,
    string CommandId,
    string Kind,
    string OrderId,
    string ContentHash,
    string Nonce,
    long ExpiresAtUnixNanos,
    long AcceptedAtUnixNanos,
    string Command);

[EventType("gateway.session-granted.v1")]
public sealed record SessionGranted(
    string AccountId,
    string SessionId,
    string SecretSha256,
    IReadOnlyList<string> Markets,
    decimal? MaxOrderQuantity,
    long SessionExpiresAtUnixNanos,
    string Nonce,
    long ExpiresAtUnixNanos,
    long GrantedAtUnixNanos);

[EventType("gateway.session-revoked.v1")]
public sealed record SessionRevoked(string AccountId, string SessionId, string Nonce, long ExpiresAtUnixNanos, long RevokedAtUnixNanos);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CommandAccepted))]
[JsonSerializable(typeof(SessionGranted))]
[JsonSerializable(typeof(SessionRevoked))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;

internal static class GatewayEvents
{
    public const string Category = "gateway";

    public static EventSerializer Serializer { get; } = new(
        new EventTypeMap().Register<CommandAccepted>().Register<SessionGranted>().Register<SessionRevoked>(),
        new JsonSerializerOptions(GatewayJsonContext.Default.Options));

    public static string StreamFor(string accountId) => StreamName.For(Category, accountId);

    /// <summary>A name-based id (SHA-256, RFC 4122 layout) so a retried append of the same command is a no-op.</summary>
    public static Guid EventIdFor(string name)
    {
        // On the stack: this runs for every accepted command.
        var utf8 = System.Text.Encoding.UTF8.GetByteCount(name) <= 512 ? stackalloc byte[512] : new byte[System.Text.Encoding.UTF8.GetByteCount(name)];
        var written = System.Text.Encoding.UTF8.GetBytes(name, utf8);
        Span<byte> hash = stackalloc byte[System.Security.Cryptography.SHA256.HashSizeInBytes];
        System.Security.Cryptography.SHA256.HashData(utf8[..written], hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
