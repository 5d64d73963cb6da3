using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Clearing.Contracts;

/// <summary>
/// Which protobuf message each public topic carries, so tools (`clearing tail`, schema snapshots) can decode any topic
/// without knowing the service that wrote it. One message type per topic: a topic is written by one path only.
/// </summary>
public static class TopicContracts
{
    private static readonly Dictionary<string, MessageDescriptor> ByTopic = new(StringComparer.Ordinal)
    {
        [Topics.OrderCommands] = Orders.V1.OrderCommand.Descriptor,
        [Topics.MatchingEvents] = Matching.V1.MatchingEvent.Descriptor,
        [Topics.MarginRisk] = Margin.V1.RiskEvent.Descriptor,
        [Topics.MarginLedger] = Margin.V1.LedgerEntry.Descriptor,
        [Topics.OraclePrices] = Oracle.V1.PriceUpdate.Descriptor,
        [Topics.FundingEvents] = Funding.V1.FundingEvent.Descriptor,
        [Topics.LiquidationEvents] = Liquidation.V1.LiquidationEvent.Descriptor,
        [Topics.SettlementEvents] = Settlement.V1.SettlementEvent.Descriptor,
    };

    /// <summary>Topics with a protobuf contract. The dead-letter topic carries the failed message's own bytes.</summary>
    public static IReadOnlyCollection<string> Described => ByTopic.Keys;

    public static bool TryGetDescriptor(string topic, out MessageDescriptor descriptor) => ByTopic.TryGetValue(topic, out descriptor!);

    /// <summary>
    /// Decodes a message of <paramref name="topic"/> to its canonical protobuf JSON. Throws <see cref="InvalidProtocolBufferException"/>
    /// when the bytes are not that message, and <see cref="KeyNotFoundException"/> for a topic without a contract.
    /// </summary>
    public static string ToJson(string topic, ReadOnlySpan<byte> payload)
    {
        if (!ByTopic.TryGetValue(topic, out var descriptor))
        {
            throw new KeyNotFoundException($"topic '{topic}' has no protobuf contract; known: {string.Join(", ", ByTopic.Keys.Order(StringComparer.Ordinal))}");
        }
        var message = descriptor.Parser.ParseFrom(payload);
        return Formatter.Format(message);
    }

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
}
