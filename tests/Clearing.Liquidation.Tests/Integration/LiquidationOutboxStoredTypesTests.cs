using Clearing.EventSourcing;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Positions;
using Clearing.Liquidation.Integration;

namespace Clearing.Liquidation.Tests.Integration;

/// <summary>The outbox relay never reads the types the translator leaves out, so each of them must be one it never publishes.</summary>
public sealed class LiquidationOutboxStoredTypesTests
{
    [Fact]
    public void the_fill_applied_to_positions_is_left_unread_by_the_relay_and_is_never_published()
    {
        var translator = new LiquidationOutboxTranslator();
        var fill = new PositionFillApplied("BTC-PERP", "f-1", "acct-1", "acct-2", TakerBuys: true, 0.5m, 100_000m, new MessageSource("book-BTC-PERP", 7));
        var data = LiquidationJsonContext.Serializer.Serialize(fill);
        var recorded = new RecordedEvent("positions-BTC-PERP", 0, 1, data.EventId, data.Type, data.SchemaVersion, data.Data, data.Metadata, DateTimeOffset.UnixEpoch, null, null, default, default);

        translator.StoredTypes.Matches(recorded.Type).ShouldBeFalse();
        translator.Translate(recorded).ShouldBeNull();
        translator.StoredTypes.Matches(EventTypeName.Of<PositionTransferApplied>()).ShouldBeTrue("only the per-fill event is left out");
    }
}
