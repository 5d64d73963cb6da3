using System.Text;
using System.Text.Json;
using Clearing.EventSourcing;

namespace Clearing.EventSourcing.Tests;

[EventType("test.deposited.v1")]
public sealed record Deposited(string Account, decimal Amount);

[EventType("test.withdrawn.v1")]
public sealed record Withdrawn(string Account, decimal Amount);

internal static class TestEvents
{
    public static readonly EventSerializer Serializer = new(
        new EventTypeMap().Register<Deposited>().Register<Withdrawn>(),
        new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static EventData Event(int n, Guid? correlation = null, Guid? causation = null) =>
        new(Guid.NewGuid(), "test.counted.v1", 1, Encoding.UTF8.GetBytes($"{{\"n\":{n}}}"), Encoding.UTF8.GetBytes("{\"source\":\"test\"}"), correlation, causation);

    public static EventData[] Events(int count, int start = 0) =>
        Enumerable.Range(start, count).Select(n => Event(n)).ToArray();

    public static int N(RecordedEvent e) => JsonDocument.Parse(e.Data).RootElement.GetProperty("n").GetInt32();
}
