using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Clearing.Matching.Tests.Host;

/// <summary>
/// The real matching process against an embedded broker: kill -9 while it consumes, restart it, and compare what a
/// read_committed reader saw on clearing.matching.events.v1 with a reference run of the same commands in-process.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class MatchingCrashTests(ITestOutputHelper output)
{
    private const int Partitions = 4;

    [Fact]
    public async Task killing_matching_mid_stream_and_restarting_publishes_every_event_once_with_no_gap()
    {
        await using var bed = ProcessBed.Start("clearing-matching-crash", Partitions);
        var broker = bed.Broker;
        // Order commands only: each market's commands sit in one partition in order, so each book's events are fixed by
        // the flow; oracle updates arrive on another topic and their interleaving with orders is not.
        var commands = HostFlow.Generate(seed: 21, count: 3_000, withPrices: false).Orders().ToList();
        var reference = HostReplayTests.Run(HostOrders.Pipeline(), commands)
            .GroupBy(e => e.Market).ToDictionary(g => g.Key, g => g.Select(e => e.ToByteArray()).ToList());
        var expectedTotal = reference.Values.Sum(v => v.Count);
        // Snapshots every 150 stored inputs: the restart restores from a snapshot plus the stream tail, not from the start.
        var settings = new Dictionary<string, string>
        {
            ["Matching__MaxBatchSize"] = "40", ["Matching__BatchWindow"] = "00:00:00.001", ["Matching__SnapshotEveryInputs"] = "150",
        };

        using var reader = new KafkaTraffic.EventReader(broker.BootstrapServers, Partitions);
        using var producer = KafkaTraffic.Producer(broker.BootstrapServers);
        using var stopFeeding = new CancellationTokenSource();
        var feeding = Task.Run(async () =>
        {
            // A steady stream, so the kill lands while commands keep arriving and batches are in flight.
            for (var i = 0; i < commands.Count; i++)
            {
                KafkaTraffic.Produce(producer, commands[i]);
                if (i % 25 == 24)
                {
                    producer.Flush(TimeSpan.FromSeconds(10));
                    await Task.Delay(10);
                }
            }
            producer.Flush(TimeSpan.FromSeconds(10));
        });

        var first = MatchingProcess.Start(bed.Directory, bed.BootstrapFile, settings);
        var firstId = first.Id;
        try
        {
            await reader.WaitForAsync(events => events.Count >= expectedTotal / 3, TimeSpan.FromSeconds(90),
                () => $"{reader.Count} of {expectedTotal}; process: {first.Tail}");
            first.KillHard();
        }
        finally
        {
            first.Dispose();
        }
        var atKill = reader.Count;
        output.WriteLine($"killed process {firstId} after {atKill} of {expectedTotal} events");

        using var second = MatchingProcess.Start(bed.Directory, bed.BootstrapFile, settings);
        await feeding;
        await reader.WaitForAsync(events => events.Count >= expectedTotal, TimeSpan.FromSeconds(90),
            () => $"{reader.Count} of {expectedTotal}; process: {second.Tail}");
        // Anything extra (a duplicate) would arrive right behind the last event: give it the time to show.
        await Task.Delay(1_000);
        second.HasExited.ShouldBeFalse(second.Tail);
        second.Lines.ShouldContain(l => l.Contains("restored from the snapshot"), second.Tail);

        var seen = reader.Events;
        output.WriteLine($"read {seen.Count} events; second process: {second.Tail}");
        atKill.ShouldBeLessThan(expectedTotal, "the kill came after everything was published: it proved nothing");
        foreach (var (market, expected) in reference)
        {
            var published = seen.Where(e => e.Event.Market == market).ToList();
            published.Select(e => e.Event.Sequence).ShouldBe(Enumerable.Range(1, expected.Count).Select(i => (long)i), $"{market}: sequences on the topic");
            for (var i = 0; i < expected.Count; i++)
            {
                published[i].Bytes.ShouldBe(expected[i], $"{market}: event {i + 1} differs from the reference run");
            }
        }
        seen.Count.ShouldBe(expectedTotal);
        seen.Count(e => e.Event.Fill is not null).ShouldBeGreaterThan(100);
    }
}
