using System.Reflection;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Integration;

namespace Clearing.Margin.Tests.Integration;

/// <summary>The outbox relay never reads the types the translator leaves out, so each of them must be one it never publishes.</summary>
public sealed class MarginOutboxStoredTypesTests
{
    [Fact]
    public void every_margin_event_type_the_relay_leaves_unread_is_one_the_translator_never_publishes()
    {
        var translator = new MarginOutboxTranslator();
        var names = new[] { typeof(MarginEventTypes).Assembly, typeof(MarginOutboxTranslator).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => t.GetCustomAttribute<EventTypeAttribute>()?.Name)
            .OfType<string>()
            .ToList();

        var unread = names.Where(n => !translator.StoredTypes.Matches(n)).ToList();

        unread.ShouldContain("margin.position-changed.v1");
        unread.ShouldContain("margin.message-applied.v1");
        names.Where(translator.StoredTypes.Matches).Order().ShouldBe(["margin.ledger-entry-recorded.v1", "margin.risk-event-recorded.v1"]);
        foreach (var name in unread)
        {
            // The translator decides by type name alone, so an empty body is enough to see it would publish nothing.
            var recorded = new RecordedEvent("account-acct-1", 0, 1, Guid.NewGuid(), name, 1, "{}"u8.ToArray(), default, DateTimeOffset.UnixEpoch, null, null, default, default);
            translator.Translate(recorded).ShouldBeNull(name);
        }
    }
}
