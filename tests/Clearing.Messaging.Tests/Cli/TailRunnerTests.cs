using System.Text.Json;
using Clearing.Cli.Commands.Tail;
using Clearing.Contracts;
using Clearing.Contracts.Matching.V1;
using Clearing.Messaging.Kafka;
using Clearing.Testing.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Messaging.Tests.Cli;

[Collection(KafkaCollection.Name)]
public sealed class TailRunnerTests(KafkaFixture kafka)
{
    private static OutboundMessage Fill(string market, long sequence, string price) => new()
    {
        Topic = Topics.MatchingEvents,
        Key = market,
        Type = "clearing.matching.fill.v1",
        Payload = new MatchingEvent
        {
            Market = market,
            Sequence = sequence,
            Fill = new Fill { FillId = $"{market}:{sequence}", Price = price, Quantity = "0.1", MakerAccountId = "acct-1", TakerAccountId = "acct-2" },
        }.ToByteArray(),
        SourceStream = $"book-{market}",
        SourceSequence = sequence,
        ContentType = "application/protobuf",
    };

    private async Task PublishAsync(params OutboundMessage[] messages)
    {
        using var publisher = TestSupport.Publisher(kafka, NullLoggerFactory.Instance, "matching");
        foreach (var message in messages)
        {
            await publisher.PublishAsync(message, CancellationToken.None);
        }
    }

    private async Task<(int Exit, string[] Lines, string Error)> TailAsync(bool json, string? key = null, int count = 0)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new TailOptions(Topics.MatchingEvents, kafka.BootstrapServers, FromBeginning: true, json, count, key, TimeSpan.FromSeconds(3));
        using var timeout = new CancellationTokenSource(TestSupport.Patience);
        var exit = await TailRunner.RunAsync(options, output, error, timeout.Token);
        return (exit, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), error.ToString());
    }

    [Fact]
    public async Task json_mode_prints_each_message_with_its_envelope_and_the_decoded_contract()
    {
        var market = $"TAIL-{Guid.NewGuid():N}"[..12];
        await PublishAsync(Fill(market, 1, "50000.5"), Fill(market, 2, "50001"));

        var (exit, lines, error) = await TailAsync(json: true, key: market);

        exit.ShouldBe(0, error);
        lines.Length.ShouldBe(2);
        using var first = JsonDocument.Parse(lines[0]);
        first.RootElement.GetProperty("key").GetString().ShouldBe(market);
        first.RootElement.GetProperty("headers").GetProperty(KafkaHeaderNames.SourceStream).GetString().ShouldBe($"book-{market}");
        var fill = first.RootElement.GetProperty("payload").GetProperty("fill");
        fill.GetProperty("price").GetString().ShouldBe("50000.5");
        fill.GetProperty("fillId").GetString().ShouldBe($"{market}:1");
        JsonDocument.Parse(lines[1]).RootElement.GetProperty("payload").GetProperty("sequence").GetString().ShouldBe("2");
    }

    [Fact]
    public async Task readable_mode_prints_one_line_with_time_position_key_type_and_payload_and_count_stops_it()
    {
        var market = $"TAIL-{Guid.NewGuid():N}"[..12];
        await PublishAsync(Fill(market, 1, "42000"), Fill(market, 2, "42000.5"), Fill(market, 3, "42001"));

        var (exit, lines, error) = await TailAsync(json: false, key: market, count: 2);

        exit.ShouldBe(0, error);
        lines.Length.ShouldBe(2);
        lines[0].ShouldContain($"{Topics.MatchingEvents}[");
        lines[0].ShouldContain($"key={market}");
        lines[0].ShouldContain("type=clearing.matching.fill.v1");
        lines[0].ShouldContain("\"price\":\"42000\"");
    }

    [Fact]
    public async Task a_payload_that_is_not_the_topic_contract_is_printed_as_undecodable_not_dropped()
    {
        var market = $"TAIL-{Guid.NewGuid():N}"[..12];
        var garbage = Fill(market, 1, "1") with { Payload = [0xFF, 0xFF, 0xFF, 0xFF] };
        await PublishAsync(garbage);

        var (exit, lines, _) = await TailAsync(json: true, key: market);

        exit.ShouldBe(0);
        lines.ShouldHaveSingleItem();
        JsonDocument.Parse(lines[0]).RootElement.GetProperty("payload").GetProperty("undecodable").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task an_unknown_topic_is_refused_with_exit_code_2_and_a_message_naming_it()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new TailOptions($"no.such.topic.{Guid.NewGuid():N}", kafka.BootstrapServers, true, false, 0, null, TimeSpan.FromSeconds(1));

        var exit = await TailRunner.RunAsync(options, output, error, CancellationToken.None);

        exit.ShouldBe(2);
        error.ToString().ShouldContain("does not exist");
        output.ToString().ShouldBeEmpty();
    }
}
