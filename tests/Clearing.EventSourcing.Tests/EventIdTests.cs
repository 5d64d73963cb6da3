using Clearing.EventSourcing;

namespace Clearing.EventSourcing.Tests;

public sealed class EventIdTests
{
    [Fact]
    public void event_ids_are_distinct_version_8_rfc_9562_uuids_even_when_drawn_from_many_threads()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                ids.Add(EventIds.Next());
            }
        });

        ids.Distinct().Count().ShouldBe(200_000);
        foreach (var id in ids.Take(1_000))
        {
            var text = id.ToString("D");
            text[14].ShouldBe('8', $"version nibble of {text}");
            "89ab".ShouldContain(text[19], $"variant of {text}");
        }
    }

    [Fact]
    public void an_id_keeps_the_prefix_and_counter_bits_the_version_and_variant_leave()
    {
        var id = EventIds.Compose(0x0123_4567_89AB_CDEFul, 0x0000_0000_0000_0042ul);

        id.ToString("N").ShouldBe("0123456789ab8def8000000000000042");
        EventIds.Compose(0x0123_4567_89AB_CDEFul, 0x43ul).ShouldNotBe(id);
    }

    [Fact]
    public void a_serialized_event_without_an_id_gets_a_fresh_one_and_a_given_id_is_kept()
    {
        var serializer = new EventSerializer(new EventTypeMap().Register<Deposited>(), new System.Text.Json.JsonSerializerOptions());
        var first = serializer.Serialize(new Deposited("a1", 1m));
        var second = serializer.Serialize(new Deposited("a1", 1m));
        var given = Guid.Parse("6f1c3a1e-0000-4000-8000-000000000001");

        first.EventId.ShouldNotBe(second.EventId);
        first.EventId.ToString("D")[14].ShouldBe('8');
        serializer.Serialize(new Deposited("a1", 1m), eventId: given).EventId.ShouldBe(given);
    }
}
