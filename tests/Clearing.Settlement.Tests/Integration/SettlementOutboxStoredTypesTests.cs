using System.Reflection;
using Clearing.EventSourcing;
using Clearing.Settlement.Integration;

namespace Clearing.Settlement.Tests.Integration;

/// <summary>The outbox relay never reads the types the translator leaves out, so each of them must be one it never publishes.</summary>
public sealed class SettlementOutboxStoredTypesTests
{
    [Fact]
    public void every_settlement_event_type_the_relay_leaves_unread_is_one_the_translator_never_publishes()
    {
        var translator = new SettlementOutboxTranslator();
        var names = typeof(SettlementOutboxTranslator).Assembly.GetTypes()
            .Select(t => t.GetCustomAttribute<EventTypeAttribute>()?.Name)
            .OfType<string>()
            .ToList();

        var unread = names.Where(n => !translator.StoredTypes.Matches(n)).ToList();

        unread.ShouldContain("settlement.ledger-entry-received.v1");
        unread.ShouldContain("settlement.fill-volume-recorded.v1");
        names.Where(translator.StoredTypes.Matches).Order()
            .ShouldBe(["settlement.epoch-asset-closed.v1", "settlement.fees-distributed.v1", "settlement.price-fixed.v1"]);
        foreach (var name in unread)
        {
            // The translator decides by type name alone, so an empty body is enough to see it would publish nothing.
            var recorded = new RecordedEvent("epoch-1", 0, 1, Guid.NewGuid(), name, 1, "{}"u8.ToArray(), default, DateTimeOffset.UnixEpoch, null, null, default, default);
            translator.Translate(recorded).ShouldBeNull(name);
        }
    }
}
