using System.Collections.Immutable;
using Clearing.Primitives.Inbox;

namespace Clearing.Settlement.Domain.Expiry;

/// <summary>
/// The state of one dated instrument's expiry settlement (stream "settlement-{instrument}"): the index observations
/// recorded for its window, the inbox of the price topic, and the fixing once made. Immutable; changed only by the
/// pure functions below.
/// </summary>
public sealed record InstrumentExpiry
{
    public static InstrumentExpiry Empty { get; } = new();

    public ImmutableList<IndexObservation> Observations { get; init; } = [];

    public InboxPosition Inbox { get; init; } = InboxPosition.Empty;

    public decimal? SettlementPrice { get; init; }

    public bool FixingFailed { get; init; }

    public bool IsFinal => SettlementPrice is not null || FixingFailed;

    /// <summary>
    /// Whether an observation at <paramref name="timeUnixNanos"/> can matter for the window ending at expiry: inside it,
    /// or early enough before it to carry in (within one sample age of the start).
    /// </summary>
    public static bool IsRelevant(long timeUnixNanos, long expiryUnixNanos, TwapSettings settings) =>
        timeUnixNanos <= expiryUnixNanos && timeUnixNanos >= expiryUnixNanos - settings.WindowNanos - settings.MaxSampleAgeNanos;

    /// <summary>
    /// When the fixing may run: at or after expiry plus an interval. <paramref name="nowUnixNanos"/> is the stamp of an
    /// index update (prices travel on a topic keyed by asset, so one stamped past expiry comes after all the window's
    /// updates), or the clock when it stands in for an oracle that has gone silent.
    /// </summary>
    public static bool IsDue(long nowUnixNanos, long expiryUnixNanos, long graceNanos) => nowUnixNanos >= expiryUnixNanos + graceNanos;

    public InstrumentExpiry Observe(IndexObservation observation, string sourceStream, long sourceSequence) => this with
    {
        Observations = Observations.Add(observation),
        Inbox = Inbox.Record(sourceStream, sourceSequence),
    };

    public InstrumentExpiry Fixed(decimal price) => this with { SettlementPrice = price };

    public InstrumentExpiry Failed() => this with { FixingFailed = true };
}
