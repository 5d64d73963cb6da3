using Clearing.Contracts;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.OrderGateway.Application;
using Google.Protobuf;

namespace Clearing.OrderGateway.Integration;

/// <summary>
/// Accepted commands go to clearing.orders.commands.v1 keyed by market, so matching applies each market's commands in
/// the order the gateway stored them. Session grants and revocations are private. A command this process just stored
/// comes with its bytes from <see cref="AcceptedCommandHandoff"/> when the stored event is exactly the one offered;
/// any other is read back from its stored JSON.
/// </summary>
public sealed class GatewayOutboxTranslator(AcceptedCommandHandoff? handoff = null) : IOutboxTranslator
{
    public const string CommandType = "clearing.orders.command.v1";

    public IReadOnlyCollection<string> Topics { get; } = [Contracts.Topics.OrderCommands];

    public OutboundMessage? Translate(RecordedEvent recorded)
    {
        if (recorded.Type != "gateway.command-accepted.v1")
        {
            return null;
        }

        if (handoff is not null && handoff.TryTake(recorded, out var market, out var payload))
        {
            return OutboxMessages.For(recorded, Contracts.Topics.OrderCommands, key: market, type: CommandType, payload: payload);
        }

        var accepted = (CommandAccepted)GatewayEvents.Serializer.Deserialize(recorded);
        var command = OrderCommandMapping.FromJson(accepted.Command);
        return OutboxMessages.For(recorded, Contracts.Topics.OrderCommands, key: command.Market, type: CommandType, payload: command.ToByteArray());
    }
}
