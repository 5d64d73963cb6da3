using Clearing.Contracts;
using Clearing.Contracts.Orders.V1;
using Clearing.Messaging.Kafka;
using Clearing.Parameters;
using Confluent.Kafka;
using Google.Protobuf;
using Xunit.Abstractions;
using static Clearing.Matching.Tests.Host.HostOrders;

namespace Clearing.Matching.Tests.Host;

/// <summary>
/// The real matching process with governance's topic: it consumes clearing.governance.params.v1 into its own store,
/// charges the governed default-tier fees, and after a kill -9 the restarted process folds its stored copy of the
/// registry and charges the version in force; a governed halt then refuses orders and passes cancels.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class GovernedMatchingProcessTests(ITestOutputHelper output)
{
    private const int Partitions = 2;

    [Fact]
    public async Task a_restarted_matching_process_charges_the_governed_fees_in_force_from_its_stored_registry_copy()
    {
        await using var bed = ProcessBed.Start("clearing-matching-governed", Partitions, Topics.GovernanceParams);
        var broker = bed.Broker;
        var settings = new Dictionary<string, string> { ["Logging__LogLevel__Clearing.Parameters"] = "Information" };
        using var reader = new KafkaTraffic.EventReader(broker.BootstrapServers, Partitions);
        using var producer = KafkaTraffic.Producer(broker.BootstrapServers);
        // Version 0 in force from before the run (7 bp / 2 bp), version 1 from T0 + 1 ms (8 bp / 3 bp).
        Publish(producer, 0, T0 - 1_000_000_000, maker: 0.0002m, taker: 0.0007m, halted: false);
        Publish(producer, 1, T0 + 1_000_000, maker: 0.0003m, taker: 0.0008m, halted: false);

        var first = MatchingProcess.Start(bed.Directory, bed.BootstrapFile, settings);
        try
        {
            await WaitForLineAsync(first, "params-market-BTC-PERP version 1");
            Send(producer,
                Limit("BTC-PERP", "mk", "m1", Side.Sell, "50000", "3", time: T0),
                Limit("BTC-PERP", "tk", "t1", Side.Buy, "50000", "1", time: T0 + 1_000));
            await reader.WaitForAsync(events => events.Count(e => e.Event.Fill != null) >= 1, TimeSpan.FromSeconds(60), () => first.Tail);
            first.KillHard();
        }
        finally
        {
            first.Dispose();
        }

        using var second = MatchingProcess.Start(bed.Directory, bed.BootstrapFile, settings);
        await WaitForLineAsync(second, "matching: consuming");
        second.Lines.ShouldContain(l => l.Contains("Governance parameters loaded from the store: 1 sets (2 versions)"), second.Tail);
        Send(producer, Limit("BTC-PERP", "tk", "t2", Side.Buy, "50000", "1", time: T0 + 1_000_000));
        await reader.WaitForAsync(events => events.Count(e => e.Event.Fill != null) >= 2, TimeSpan.FromSeconds(60), () => second.Tail);

        // A governed halt from T0 + 2 ms, consumed live: orders are refused, cancels pass.
        Publish(producer, 2, T0 + 2_000_000, maker: 0.0003m, taker: 0.0008m, halted: true);
        await WaitForLineAsync(second, "params-market-BTC-PERP version 2");
        Send(producer,
            Limit("BTC-PERP", "tk", "t3", Side.Buy, "50000", "1", time: T0 + 2_000_000),
            Cancel("BTC-PERP", "mk", "m1", time: T0 + 2_000_100));
        await reader.WaitForAsync(events => events.Any(e => e.Event.Cancelled != null), TimeSpan.FromSeconds(60), () => second.Tail);

        var events = reader.Events.Select(e => e.Event).ToList();
        output.WriteLine(string.Join(Environment.NewLine, events.Select(e => e.ToString())));
        var fills = events.Where(e => e.Fill != null).Select(e => e.Fill).ToList();
        (fills[0].TakerFee, fills[0].MakerFee).ShouldBe(("35", "10"));
        (fills[1].TakerFee, fills[1].MakerFee).ShouldBe(("40", "15"));
        events.ShouldContain(e => e.StatusChanged != null && e.StatusChanged.Status == "halted");
        events.Single(e => e.Rejected != null).Rejected.Reason.ShouldBe("market-halted");
        events.Single(e => e.Cancelled != null).Cancelled.OrderId.ShouldBe("m1");
        events.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, events.Count).Select(i => (long)i));
        second.HasExited.ShouldBeFalse(second.Tail);
    }

    private static void Publish(IProducer<byte[]?, byte[]?> producer, long version, long effectiveNanos, decimal maker, decimal taker, bool halted)
    {
        var effective = DateTimeOffset.UnixEpoch.AddTicks(effectiveNanos / 100);
        var parameters = new MarketParameters("BTC-PERP", [new MarginTier(1_000_000m, 0.02m, 0.012m), new MarginTier(null, 0.2m, 0.12m)],
            0.05m, maker, taker, 0.006m, 3600, halted);
        var message = ParamsContract.ToProto(version, new ParametersChanged(parameters.SetId, parameters, effective, effective, $"p{version}",
            version == 0 ? ChangeCause.Genesis : ChangeCause.Proposal, []));
        producer.Produce(Topics.GovernanceParams, CloudEventsEnvelope.ToKafkaMessage(new OutboundMessage
        {
            Topic = Topics.GovernanceParams,
            Key = parameters.SetId,
            Type = "clearing.governance.params-changed.v1",
            Payload = message.ToByteArray(),
            SourceStream = "params-" + parameters.SetId,
            SourceSequence = version,
            Id = $"{parameters.SetId}:{version}",
        }, "/clearing/test-governance", DateTimeOffset.UnixEpoch));
        producer.Flush(TimeSpan.FromSeconds(10));
    }

    private static void Send(IProducer<byte[]?, byte[]?> producer, params OrderCommand[] commands)
    {
        foreach (var command in commands)
        {
            KafkaTraffic.Produce(producer, command);
        }
        producer.Flush(TimeSpan.FromSeconds(10));
    }

    private static async Task WaitForLineAsync(MatchingProcess process, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!process.Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the matching process did not log \"{text}\": {process.Tail}");
            }
            await Task.Delay(50);
        }
    }
}
