using Clearing.Contracts;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.OrderGateway.Application;
using Google.Protobuf;

namespace Clearing.OrderGateway.Integration;

/// <summary>
/// Accepted commands go to clearing.orders.commands.v1 keyed by market, so matching applies each market's commands in
/// the order the gateway stored them. Session grants and revocations are private.
/// </summary>
public sealed class GatewayOutboxTranslator : IOutboxTranslator
{
    public const string CommandType = "clearing.orders.command.v1";

    public IReadOnlyCollection<string> Topics { get; } = [Contracts.Topics.OrderCommands];

    public OutboundMessage? Translate(RecordedEvent recorded)
    {
        if (recorded.Type != "gateway.command-accepted.v1")
        {
            return null;
        }

        var accepted = (CommandAccepted)GatewayEvents.Serializer.Deserialize(recorded);
        var command = OrderCommandMapping.FromJson(accepted.Command);
        return OutboxMessages.For(recorded, Contracts.Topics.OrderCommands, key: command.Market, type: CommandType, payload: command.ToByteArray());
    }
}
