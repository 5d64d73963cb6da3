using Clearing.OracleIngest.Domain.Publishers;

namespace Clearing.OracleIngest.Domain.Feeds;

/// <summary>
/// Runs recorded reports through one asset's oracle on the recording's own clock: each report arrives at its publish
/// time plus <paramref name="latencyNanos"/>, and the timer fires every <paramref name="tickNanos"/> of recorded time
/// (0: no timer). No wall clock is read, so the same file always gives the same events: the determinism check, the
/// simulator's fast path and the benchmark's workload.
/// </summary>
public static class RecordedReplay
{
    public static IReadOnlyList<object> Run(
        string asset, IEnumerable<RecordedReport> records, PublisherRegistry publishers, OracleParameters parameters,
        long latencyNanos = 0, long tickNanos = 0)
    {
        var state = OracleAssetState.Initial(asset);
        var events = new List<object>();
        var noMarkets = new Dictionary<string, MarketObservation>();
        long? nextTick = null;
        foreach (var record in records.Where(r => r.Asset == asset).OrderBy(r => r.PublishTimeUnixNanos))
        {
            var arrival = record.PublishTimeUnixNanos + latencyNanos;
            if (tickNanos > 0)
            {
                nextTick ??= arrival;
                while (nextTick <= arrival)
                {
                    Apply(OracleAsset.Tick(state, parameters, noMarkets, nextTick.Value));
                    nextTick += tickNanos;
                }
            }

            Apply(OracleAsset.ReceivePrice(state, record.ToReport(), record.Origin, publishers, parameters, noMarkets, arrival));
        }

        return events;

        void Apply(IReadOnlyList<object> decided)
        {
            foreach (var e in decided)
            {
                state = OracleAsset.Evolve(parameters, state, e);
                events.Add(e);
            }
        }
    }
}
