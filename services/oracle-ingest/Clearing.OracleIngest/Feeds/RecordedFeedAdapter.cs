using System.Runtime.CompilerServices;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Feeds;
using Clearing.OracleIngest.Domain.Reports;
using Clearing.OracleIngest.Options;

namespace Clearing.OracleIngest.Feeds;

/// <summary>
/// Replays a recorded CSV/JSONL file as a pulled feed at real speed (Speed = 1), accelerated (Speed = 10 is ten times
/// faster) or as fast as possible (Speed = 0). With RetimeToNow, publish times are shifted so the first record is "now"
/// and the gaps between records are kept (divided by the speed), so a recording from last year feeds a live simulation
/// without being refused as stale. Signed records keep their times and bytes (the signature covers them).
/// With Loop, the file starts again at its end with times and sequences continuing upwards, so the oracle accepts it.
/// </summary>
public sealed class RecordedFeedAdapter(ReplayFeedOptions options, TimeProvider time) : IPriceFeedAdapter
{
    private readonly IReadOnlyList<RecordedReport> _records =
        [.. RecordedReportFormat.Parse(options.Path, File.ReadLines(options.Path)).OrderBy(r => r.PublishTimeUnixNanos)];

    public string Name => $"replay:{Path.GetFileName(options.Path)}";

    public int Count => _records.Count;

    public async IAsyncEnumerable<FeedReport> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_records.Count == 0)
        {
            yield break;
        }

        var first = _records[0].PublishTimeUnixNanos;
        var span = _records[^1].PublishTimeUnixNanos - first + Nanos.PerSecond;
        var sequenceStep = _records.Max(r => r.Sequence);
        var startedAt = time.GetTimestamp();
        var startNanos = Nanos.From(time.GetUtcNow());
        for (var lap = 0L; lap == 0 || options.Loop; lap++)
        {
            foreach (var record in _records)
            {
                var offset = (record.PublishTimeUnixNanos - first) + lap * span;
                if (options.Speed > 0)
                {
                    var due = TimeSpan.FromTicks((long)(offset / 100 / options.Speed));
                    var wait = due - time.GetElapsedTime(startedAt);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, time, cancellationToken);
                    }
                }

                if (record.IsSigned)
                {
                    yield return new FeedReport(record.ToReport(), ReportOrigin.PublisherStream);
                    continue;
                }

                var publishTime = !options.RetimeToNow ? record.PublishTimeUnixNanos + lap * span
                    : options.Speed > 0 ? startNanos + (long)(offset / options.Speed)
                    : Nanos.From(time.GetUtcNow());
                var report = record.ToReport(publishTime) with { Sequence = record.Sequence + lap * sequenceStep };
                yield return new FeedReport(report, ReportOrigin.FeedAdapter);
            }
        }
    }
}
