using Clearing.EventSourcing;
using Clearing.Governance.Application;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Parameters;
using Google.Protobuf;

namespace Clearing.Governance.Integration;

/// <summary>
/// The edge between the registry streams and clearing.governance.params.v1 (key = set id). Every stored version of a
/// set is public, genesis included, so a consumer folds the whole history; proposals stay private (queryable
/// through the Governance API).
/// </summary>
public sealed class GovernanceOutboxTranslator : IOutboxTranslator
{
    public const string ParamsChangedType = "clearing.governance.params-changed.v1";

    public IReadOnlyCollection<string> Topics { get; } = [Contracts.Topics.GovernanceParams];

    public OutboundMessage? Translate(RecordedEvent recorded)
    {
        if (recorded.Type != GovernanceStore.ParamsTypeName)
        {
            return null;
        }

        var change = (ParametersChanged)GovernanceStore.Serializer.Deserialize(recorded);
        return OutboxMessages.For(recorded, Contracts.Topics.GovernanceParams, key: change.SetId, type: ParamsChangedType,
            payload: ParamsContract.ToProto(recorded.StreamVersion, change).ToByteArray());
    }
}
