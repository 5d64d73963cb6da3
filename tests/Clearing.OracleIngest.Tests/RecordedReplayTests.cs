using System.Globalization;
using System.Text;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Feeds;
using Clearing.OracleIngest.Domain.Publishers;

namespace Clearing.OracleIngest.Tests;

public sealed class RecordedReplayTests
{
    private static readonly long T0 = OracleWorld.T0;

    private static readonly PublisherRegistry Feeds = new(
        new[] { "binance", "coinbase", "kraken", "okx" }.Select(id => new Publisher(id, null, new HashSet<string>())));

    [Fact]
    public void recorded_replay_run_twice_gives_the_same_index_series()
    {
        var records = RecordedReportFormat.ParseCsv(RecordedCsv());

        var first = Series(RecordedReplay.Run("BTC", records, Feeds, new OracleParameters(), latencyNanos: 5 * Nanos.PerMillisecond, tickNanos: Nanos.PerSecond));
        var second = Series(RecordedReplay.Run("BTC", records, Feeds, new OracleParameters(), latencyNanos: 5 * Nanos.PerMillisecond, tickNanos: Nanos.PerSecond));

        first.Count.ShouldBeGreaterThan(500);
        second.ShouldBe(first);
        first.ShouldContain(line => line.Contains("|Stale|", StringComparison.Ordinal), "the recording has a gap where publishers go quiet");
        first.ShouldContain(line => line.Contains("okx", StringComparison.Ordinal) && line.Contains("|outliers=okx", StringComparison.Ordinal));
    }

    [Fact]
    public void csv_and_jsonl_recordings_of_the_same_data_give_the_same_series()
    {
        var csv = RecordedReportFormat.ParseCsv(RecordedCsv());
        var jsonl = RecordedReportFormat.ParseJsonLines(csv.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{{\"publishTimeUnixNanos\":{r.PublishTimeUnixNanos},\"publisher\":\"{r.Publisher}\",\"asset\":\"{r.Asset}\",\"price\":\"{r.Price}\",\"confidence\":\"{r.Confidence}\",\"sequence\":{r.Sequence}}}")));

        Series(RecordedReplay.Run("BTC", jsonl, Feeds, new OracleParameters()))
            .ShouldBe(Series(RecordedReplay.Run("BTC", csv, Feeds, new OracleParameters())));
    }

    [Fact]
    public void csv_errors_name_the_line_and_the_field()
    {
        var error = Should.Throw<FormatException>(() => RecordedReportFormat.ParseCsv([
            "publish_time_unix_nanos,publisher,asset,price,confidence,sequence",
            "1800000000000000000,binance,BTC,64000,1,1",
            "soon,binance,BTC,64000,1,2",
        ]));

        error.Message.ShouldBe("line 3: publish_time_unix_nanos 'soon' is not an integer");
    }

    [Fact]
    public void csv_header_missing_a_column_is_refused()
    {
        Should.Throw<FormatException>(() => RecordedReportFormat.ParseCsv(["publisher,asset,price"]))
            .Message.ShouldBe("line 1: the CSV header lacks column(s) publish_time_unix_nanos, confidence, sequence");
    }

    [Fact]
    public void jsonl_price_must_be_a_string_to_stay_exact()
    {
        Should.Throw<FormatException>(() => RecordedReportFormat.ParseJsonLines([
            "{\"publishTimeUnixNanos\":1,\"publisher\":\"binance\",\"asset\":\"BTC\",\"price\":64000.1,\"confidence\":\"1\",\"sequence\":1}",
        ])).Message.ShouldBe("line 1: 'price' must be a JSON string");
    }

    /// <summary>One line per aggregation, with every field a consumer acts on.</summary>
    internal static List<string> Series(IEnumerable<object> events) => events.OfType<IndexPublished>()
        .Select(i => string.Create(CultureInfo.InvariantCulture,
            $"{i.PriceSequence}|{i.TimeUnixNanos}|{i.Status}|{i.IndexPrice}|{string.Join(',', i.Publishers)}|outliers={string.Join(',', i.OutlierPublishers)}"))
        .ToList();

    /// <summary>
    /// Ten minutes of four exchange feeds, one print per feed every ~700 ms: a random walk, okx printing 3% off for a
    /// minute, and a 30 s silence of three feeds. Seeded, so the file is the same on every run.
    /// </summary>
    internal static IEnumerable<string> RecordedCsv()
    {
        var random = new Random(20261125);
        var lines = new List<string> { "# recorded BTC prints", "publish_time_unix_nanos,publisher,asset,price,confidence,sequence" };
        var feeds = new[] { "binance", "coinbase", "kraken", "okx" };
        var sequences = new long[feeds.Length];
        var price = 64_000m;
        for (var step = 0; step < 850; step++)
        {
            var time = T0 + step * 700L * Nanos.PerMillisecond;
            price = Math.Round(price * (1m + (decimal)(random.NextDouble() - 0.5) * 0.0008m), 1);
            for (var f = 0; f < feeds.Length; f++)
            {
                var silent = step is >= 400 and < 443 && f > 0;
                if (silent)
                {
                    continue;
                }

                var quoted = price + (decimal)Math.Round((random.NextDouble() - 0.5) * 4, 1);
                if (feeds[f] == "okx" && step is >= 200 and < 286)
                {
                    quoted = Math.Round(quoted * 1.03m, 1);
                }

                var jitter = random.Next(0, 50) * Nanos.PerMillisecond;
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{time + jitter},{feeds[f]},BTC,{quoted},2.5,{++sequences[f]}"));
            }
        }

        return lines;
    }

    [Fact]
    public void recorded_signed_reports_replay_through_signature_verification()
    {
        var world = new OracleWorld();
        var lines = new StringBuilder("publish_time_unix_nanos,publisher,asset,price,confidence,sequence,signature\n");
        foreach (var id in world.PublisherIds)
        {
            var report = world.Signed(id, "64000", T0);
            lines.Append(CultureInfo.InvariantCulture, $"{T0},{id},BTC,64000,1,{report.Sequence},{Convert.ToBase64String(report.Signature)}\n");
        }

        var events = RecordedReplay.Run("BTC", RecordedReportFormat.ParseCsv(lines.ToString().Split('\n')), world.Registry, world.Parameters);

        events.OfType<ReportAccepted>().Count().ShouldBe(5);
        events.OfType<IndexPublished>().Last().IndexPrice.ShouldBe(64_000m);
    }
}
