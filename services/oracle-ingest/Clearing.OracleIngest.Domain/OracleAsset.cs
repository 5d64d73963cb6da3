using System.Globalization;
using Clearing.OracleIngest.Domain.Aggregation;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.OracleIngest.Domain.Reports;
using Clearing.OracleIngest.Domain.Volatility;

namespace Clearing.OracleIngest.Domain;

/// <summary>
/// The rules of one asset's oracle (DESIGN.md §5): decisions return events, <see cref="Evolve"/> folds them. Time is an
/// input (<c>now</c>, Unix nanoseconds): the same reports at the same times give the same events, byte for byte.
/// </summary>
public static class OracleAsset
{
    /// <summary>Verifies a price report; accepted or refused, it becomes an event. An accepted one is aggregated at once.</summary>
    public static IReadOnlyList<object> ReceivePrice(
        OracleAssetState state, PriceReport report, ReportOrigin origin, PublisherRegistry publishers, OracleParameters parameters,
        IReadOnlyDictionary<string, MarketObservation> markets, long now)
    {
        var verdict = ReportVerification.Check(state, report, origin, publishers, parameters, now);
        if (verdict.Refusal is { } refusal)
        {
            return [refusal];
        }

        var accepted = verdict.Accepted!;
        var after = Evolve(parameters, state, accepted);
        var events = new List<object>(4) { accepted };
        events.AddRange(Aggregate(after, parameters, markets, now, publishEvenIfUnchanged: true));
        return events;
    }

    /// <summary>
    /// The timer's aggregation: reports age out without new ones arriving, so staleness must be noticed on a clock.
    /// Publishes only when the status, the index or the publisher set changed, so an idle asset does not grow its stream.
    /// </summary>
    public static IReadOnlyList<object> Tick(OracleAssetState state, OracleParameters parameters, IReadOnlyDictionary<string, MarketObservation> markets, long now) =>
        Aggregate(state, parameters, markets, now, publishEvenIfUnchanged: false);

    /// <summary>An operator reset: the breaker clears and its window restarts, so the next index is not compared with pre-trip prices.</summary>
    public static IReadOnlyList<object> ResetBreaker(OracleAssetState state, string resetBy, string reason, DateTimeOffset at) =>
        [new CircuitBreakerReset(state.Asset, resetBy, reason, at)];

    /// <summary>Verifies a vol report; an accepted one refits its expiry's slice when enough publishers have reported it.</summary>
    public static IReadOnlyList<object> ReceiveVol(
        OracleAssetState state, VolReport report, ReportOrigin origin, PublisherRegistry publishers, OracleParameters parameters, long now)
    {
        var verdict = ReportVerification.Check(state, report, origin, publishers, parameters, now);
        if (verdict.Refusal is { } refusal)
        {
            return [refusal];
        }

        var accepted = verdict.Accepted!;
        var after = Evolve(parameters, state, accepted);
        var events = new List<object>(2) { accepted };
        if (VolSurfaceFitting.FitExpiry(after, accepted.ExpiryUnixNanos, parameters, now) is { } fitted)
        {
            events.Add(fitted);
        }

        return events;
    }

    public static OracleAssetState Evolve(OracleParameters parameters, OracleAssetState state, object @event) => @event switch
    {
        ReportAccepted e => state with
        {
            Publishers = state.Publishers.SetItem(e.Publisher, new PublisherState(e.Sequence, new PublisherQuote(e.Price, e.Confidence, e.PublishTimeUnixNanos))),
        },
        VolReportAccepted e => state with
        {
            Publishers = state.Publishers.SetItem(e.Publisher, new PublisherState(e.Sequence, state.Publishers.TryGetValue(e.Publisher, out var p) ? p.Quote : null)),
            VolSubmissions = state.VolSubmissions.SetItem(VolSurfaceFitting.SubmissionKey(e.ExpiryUnixNanos, e.Publisher),
                new VolSubmission(e.Publisher, e.ExpiryUnixNanos, e.Forward, e.Points, e.PublishTimeUnixNanos)),
        },
        ReportRefused or VolReportRefused or VolSliceRejected => state,
        IndexPublished e => state with
        {
            PriceSequence = e.PriceSequence,
            LastStatus = e.Status,
            LastIndex = e.IndexPrice,
            LastGoodIndex = e.Status == IndexStatus.Ok ? e.IndexPrice : state.LastGoodIndex,
            LastPublishers = string.Join(',', e.Publishers),
            Window = e.Candidate is { } candidate ? BreakerWindow.Add(state.Window, e.TimeUnixNanos, candidate, parameters.BreakerWindowNanos) : state.Window,
            MarkEmas = e.Marks.Aggregate(state.MarkEmas, (emas, m) => emas.SetItem(m.Market, new MarkEma(m.BasisEma, m.TradeBasisEma, e.TimeUnixNanos))),
        },
        CircuitBreakerTripped e => state with { BreakerTripped = true, BreakerTrippedAtUnixNanos = e.TimeUnixNanos, Window = [] },
        CircuitBreakerCleared => state with { BreakerTripped = false },
        CircuitBreakerReset => state with { BreakerTripped = false, Window = [] },
        VolSliceFitted e => state with { VolSlices = state.VolSlices.SetItem(e.ExpiryUnixNanos, e) },
        _ => throw new ArgumentException($"{@event.GetType().Name} is not an oracle event.", nameof(@event)),
    };

    private static IReadOnlyList<object> Aggregate(
        OracleAssetState state, OracleParameters parameters, IReadOnlyDictionary<string, MarketObservation> markets, long now, bool publishEvenIfUnchanged)
    {
        var index = IndexAggregation.Compute(state, parameters, now);
        var events = new List<object>(3);
        IndexStatus status;
        decimal? price;
        string reason;
        if (index.Candidate is not { } candidate)
        {
            status = IndexStatus.Stale;
            price = state.LastGoodIndex;
            reason = index.Reason;
        }
        else if (!state.BreakerTripped)
        {
            var trip = BreakerWindow.CheckTrip(state.Asset, state.Window, candidate, now, parameters);
            if (trip is not null)
            {
                events.Add(trip);
                status = IndexStatus.CircuitBreaker;
                reason = string.Create(CultureInfo.InvariantCulture,
                    $"circuit breaker tripped: {candidate} is {trip.Move:P2} from the window's range [{trip.WindowLow}, {trip.WindowHigh}], band {parameters.BreakerBand:P2}");
            }
            else
            {
                status = IndexStatus.Ok;
                reason = string.Empty;
            }

            price = candidate;
        }
        else if (BreakerWindow.Settled(state, candidate, now, parameters) is { } settled)
        {
            events.Add(new CircuitBreakerCleared(state.Asset, now, settled));
            status = IndexStatus.Ok;
            price = candidate;
            reason = settled;
        }
        else
        {
            status = IndexStatus.CircuitBreaker;
            price = candidate;
            reason = "circuit breaker tripped: waiting for prices to settle or an operator reset";
        }

        var publishersKey = string.Join(',', index.Publishers);
        if (!publishEvenIfUnchanged && events.Count == 0 && state.LastStatus == status && state.LastIndex == price && state.LastPublishers == publishersKey)
        {
            return [];
        }

        var marks = status == IndexStatus.Stale || price is null
            ? []
            : MarkPrices.Compute(state, parameters, markets, price.Value, now);
        var surface = state.VolSlices.Values.Where(slice => slice.ExpiryUnixNanos > now).ToList();
        events.Add(new IndexPublished(
            state.Asset, state.PriceSequence + 1, now, status, price, index.Candidate, index.Publishers,
            index.Outliers.Count, index.Outliers, marks, reason) { VolSurface = surface });
        return events;
    }
}
