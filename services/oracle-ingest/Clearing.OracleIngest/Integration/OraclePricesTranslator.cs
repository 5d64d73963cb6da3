using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Oracle.V1;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.OracleIngest.Domain;
using Google.Protobuf;

namespace Clearing.OracleIngest.Integration;

/// <summary>
/// The edge from the stored "oracle.index-published.v1" to the public PriceUpdate on clearing.oracle.prices.v1 (key:
/// asset). Reports, refusals and breaker events stay private: consumers act on the status each update carries.
/// Pure: the same stored event always gives the same bytes.
/// </summary>
public sealed class OraclePricesTranslator : IOutboxTranslator
{
    public const string MessageType = "clearing.oracle.price-update.v1";

    public IReadOnlyCollection<string> Topics { get; } = [Clearing.Contracts.Topics.OraclePrices];

    public OutboundMessage? Translate(RecordedEvent recorded)
    {
        if (recorded.Type != "oracle.index-published.v1")
        {
            return null;
        }

        var published = (IndexPublished)OracleEventCodec.Decode(recorded);
        return OutboxMessages.For(recorded, Clearing.Contracts.Topics.OraclePrices, key: published.Asset, type: MessageType, payload: ToProto(published).ToByteArray());
    }

    public static PriceUpdate ToProto(IndexPublished e)
    {
        var update = new PriceUpdate
        {
            Asset = e.Asset,
            Sequence = e.PriceSequence,
            TimeUnixNanos = e.TimeUnixNanos,
            Status = e.Status switch
            {
                IndexStatus.Ok => PriceStatus.Ok,
                IndexStatus.Stale => PriceStatus.Stale,
                IndexStatus.CircuitBreaker => PriceStatus.CircuitBreaker,
                _ => throw new ArgumentOutOfRangeException(nameof(e), e.Status, "unknown index status"),
            },
            IndexPrice = Text(e.IndexPrice),
            OutliersDropped = e.OutliersDropped,
            Reason = e.Reason,
        };
        update.Publishers.AddRange(e.Publishers);
        update.OutlierPublishers.AddRange(e.OutlierPublishers);
        update.Marks.AddRange(e.Marks.Select(m => new MarkPrice
        {
            Market = m.Market,
            MarkPrice_ = Text(m.Mark),
            IndexBasisComponent = Text(m.IndexBasisComponent),
            BookMidComponent = Text(m.BookMidComponent),
            LastTradeComponent = Text(m.LastTradeComponent),
        }));
        if (e.VolSurface.Count > 0)
        {
            var surface = new VolSurface();
            foreach (var s in e.VolSurface)
            {
                var slice = new VolSlice
                {
                    ExpiryUnixNanos = s.ExpiryUnixNanos, Forward = Text(s.Forward), A = s.A, B = s.B, Rho = s.Rho, M = s.M, Sigma = s.Sigma, FitError = s.FitError,
                };
                slice.Publishers.AddRange(s.Publishers);
                surface.Slices.Add(slice);
            }

            update.VolSurface = surface;
        }

        return update;
    }

    private static string Text(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
}
