using System.Text.Json.Nodes;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Integration;

namespace Clearing.Cli.Commands.Replay.OrderGateway;

/// <summary>
/// `clearing replay order-gateway`: time travel over an account's gateway memory (gateway-{account}): the orders it
/// accepted (id, market, command, time), its trading sessions (markets, limits, expiry, revoked) and how many nonces it
/// remembers, folded by the host's own AccountLedgers.Apply into a domain AccountLedger, as the gateway reloads it after
/// a restart. Session secrets are never shown: the store holds only their SHA-256, and this prints none of it.
/// Republishing goes through the service's GatewayOutboxTranslator (the accepted commands onto the orders topic).
/// No read model to rebuild: the gateway reads margin's risk view, it does not keep one.
/// </summary>
internal sealed class OrderGatewayReplayModule : FoldingReplayModule
{
    private const string Category = "gateway";

    public override string Service => "order-gateway";

    public override IOutboxTranslator? Translator { get; } = new GatewayOutboxTranslator();

    protected override IReadOnlyList<StreamFold> Folds { get; } =
    [
        new($"{Category}-{{account}}", StreamFold.InCategory(Category), FoldAccount),
    ];

    private static JsonNode FoldAccount(string stream, IReadOnlyList<RecordedEvent> events)
    {
        var ledger = new AccountLedger(stream[(Category.Length + 1)..]);
        foreach (var recorded in events)
        {
            try
            {
                AccountLedgers.Apply(ledger, recorded);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or UnknownEventTypeException)
            {
                throw new InvalidDataException($"{recorded.StreamId} v{recorded.StreamVersion}: stored event '{recorded.Type}' cannot be read by this build ({ex.Message})", ex);
            }
        }
        return new JsonObject
        {
            ["accountId"] = ledger.AccountId,
            ["streamVersion"] = ledger.StreamVersion,
            ["rememberedNonces"] = ledger.RememberedNonces,
            ["orders"] = new JsonArray(ledger.Orders.Values.OrderBy(o => o.AcceptedAtUnixNanos).ThenBy(o => o.OrderId, StringComparer.Ordinal)
                .Select(o => (JsonNode)new JsonObject
                {
                    ["orderId"] = o.OrderId,
                    ["market"] = o.Market,
                    ["commandId"] = o.CommandId,
                    ["acceptedAtUnixNanos"] = o.AcceptedAtUnixNanos,
                    ["contentHash"] = o.ContentHash,
                }).ToArray()),
            ["sessions"] = new JsonArray(ledger.Sessions.Values.OrderBy(s => s.Grant.SessionId, StringComparer.Ordinal)
                .Select(s => (JsonNode)new JsonObject
                {
                    ["sessionId"] = s.Grant.SessionId,
                    ["markets"] = new JsonArray(s.Grant.Markets.Select(m => (JsonNode)JsonValue.Create(m)).ToArray()),
                    ["maxOrderQuantity"] = s.Grant.MaxOrderQuantity,
                    ["expiresAtUnixNanos"] = s.Grant.SessionExpiresAtUnixNanos,
                    ["revoked"] = s.Revoked,
                }).ToArray()),
        };
    }
}
