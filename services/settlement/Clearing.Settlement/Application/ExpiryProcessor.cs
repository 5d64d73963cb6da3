using System.Globalization;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Inbox;
using Clearing.Primitives.Markets;
using Clearing.Settlement.Domain.Expiry;
using Microsoft.Extensions.Options;

namespace Clearing.Settlement.Application;

/// <summary>
/// Expiry settlement of dated futures and options, one aggregate per instrument (stream "settlement-{instrument}"):
/// index observations inside an instrument's window are stored with the price topic's inbox coordinates, and the TWAP is
/// fixed (or its failure recorded) exactly once, at the first index update stamped at or after expiry plus grace. The
/// trigger is the data, not the clock: the price topic is keyed by asset, so that update comes after every update
/// stamped before expiry, and a consumer running behind (a busy node, a restart) still fixes on the whole window, the
/// same price every replica and every replay computes. The clock only steps in when the oracle has been silent for
/// <see cref="ExpiryOptions.OracleSilence"/> beyond that point. The outbox relay publishes SettlementPriceFixed; margin
/// settles positions at it and matching closes the book.
/// </summary>
public sealed class ExpiryProcessor
{
    public const string Category = "settlement";

    private readonly MarketCatalog _markets;
    private readonly TwapSettings _settings;
    private readonly long _graceNanos;
    private readonly long _silenceNanos;
    private readonly AggregateRepository<InstrumentExpiry> _repository;
    private readonly AggregateInbox<InstrumentExpiry> _inbox;
    private readonly ILogger<ExpiryProcessor> _logger;
    private readonly HashSet<string> _final = new(StringComparer.Ordinal);

    public ExpiryProcessor(IEventStore store, MarketCatalog markets, IOptions<SettlementOptions> options, ILogger<ExpiryProcessor> logger)
    {
        _markets = markets;
        _settings = options.Value.Expiry.ToSettings();
        _graceNanos = options.Value.Expiry.Grace.Ticks * 100;
        _silenceNanos = options.Value.Expiry.OracleSilence.Ticks * 100;
        _logger = logger;
        var definition = new AggregateDefinition<InstrumentExpiry>(Category, InstrumentExpiry.Empty, Evolve);
        _repository = new AggregateRepository<InstrumentExpiry>(store, SettlementSerialization.Serializer, definition);
        _inbox = new AggregateInbox<InstrumentExpiry>(_repository, definition, s => s.Inbox, "settlement-prices");
    }

    public IEnumerable<MarketDefinition> DatedMarkets => _markets.All.Where(m => m.Kind != MarketKind.Perpetual && m.Expiry is not null);

    public static long ExpiryNanos(MarketDefinition market) => market.Expiry!.Value.ToUnixTimeMilliseconds() * 1_000_000;

    public static InstrumentExpiry Evolve(InstrumentExpiry state, object e) => e switch
    {
        IndexObserved o => state.Observe(new IndexObservation(o.Sequence, o.TimeUnixNanos, o.IsOk, o.Price), o.SourceStream, o.SourceSequence),
        SettlementPriceFixedRecorded f => state.Fixed(f.Price),
        SettlementFixingFailed => state.Failed(),
        _ => throw new InvalidOperationException($"unexpected event {e.GetType().Name} in a settlement stream"),
    };

    /// <summary>Stores an index observation in every dated instrument on <paramref name="asset"/> whose window it falls in.</summary>
    public async Task ObserveAsync(string asset, long sequence, long timeUnixNanos, bool isOk, string indexPrice, string sourceStream, long sourceSequence, CancellationToken cancellationToken)
    {
        var parsed = decimal.TryParse(indexPrice, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price) && price > 0m;
        if (isOk && !parsed)
        {
            // An OK status with an unreadable price is not a price: keep it as a non-OK observation so it ends the previous sample.
            _logger.LogWarning("Index {Asset} #{Sequence} is OK but its price '{Price}' is not a positive decimal; treated as no price", asset, sequence, indexPrice);
        }

        foreach (var market in DatedMarkets.Where(m => m.Underlying == asset))
        {
            var expiry = ExpiryNanos(market);
            if (_final.Contains(market.Symbol) || !InstrumentExpiry.IsRelevant(timeUnixNanos, expiry, _settings))
            {
                continue;
            }

            var observed = new IndexObserved(market.Symbol, asset, sequence, timeUnixNanos, isOk && parsed, parsed ? price : 0m, sourceStream, sourceSequence);
            await _inbox.ExecuteAsync(market.Symbol, sourceStream, sourceSequence, state => state.IsFinal ? [] : [observed], cancellationToken: cancellationToken);
        }

        foreach (var market in DatedMarkets.Where(m => m.Underlying == asset && !_final.Contains(m.Symbol)))
        {
            if (InstrumentExpiry.IsDue(timeUnixNanos, ExpiryNanos(market), _graceNanos))
            {
                await FixAsync(market, timeUnixNanos, $"index #{sequence} is stamped after expiry plus grace", cancellationToken);
            }
        }
    }

    /// <summary>
    /// The clock's fallback: fixes every instrument not final yet whose expiry plus grace plus the oracle-silence timeout
    /// is at or before <paramref name="nowUnixNanos"/>, on the observations held.
    /// </summary>
    public async Task<int> FixDueAsync(long nowUnixNanos, CancellationToken cancellationToken)
    {
        var fixedCount = 0;
        foreach (var market in DatedMarkets.Where(m => !_final.Contains(m.Symbol)).ToList())
        {
            if (InstrumentExpiry.IsDue(nowUnixNanos, ExpiryNanos(market), _graceNanos + _silenceNanos))
            {
                var trigger = $"no index update stamped after expiry plus grace arrived within {TimeSpan.FromTicks(_silenceNanos / 100)}: fixed on the observations held";
                fixedCount += await FixAsync(market, nowUnixNanos, trigger, cancellationToken);
            }
        }

        return fixedCount;
    }

    /// <summary>Fixes <paramref name="market"/> once, deciding at <paramref name="decidedAtUnixNanos"/>; 1 when a price was fixed now.</summary>
    private async Task<int> FixAsync(MarketDefinition market, long decidedAtUnixNanos, string trigger, CancellationToken cancellationToken)
    {
        var expiry = ExpiryNanos(market);
        var events = await _repository.ExecuteAsync(market.Symbol, state =>
        {
            if (state.IsFinal)
            {
                return [];
            }

            var result = Twap.Compute(state.Observations, expiry, _settings, market.TickSize);
            return result.Fixed
                ? [new SettlementPriceFixedRecorded(market.Symbol, result.Price, result.ExactAverage, result.WindowStartUnixNanos, result.WindowEndUnixNanos, result.Samples, result.CoveredNanos, decidedAtUnixNanos)]
                : [new SettlementFixingFailed(market.Symbol, result.Reason!, result.Samples, result.CoveredNanos, decidedAtUnixNanos)];
        }, cancellationToken: cancellationToken);
        _final.Add(market.Symbol);
        var fixedCount = 0;
        foreach (var e in events)
        {
            switch (e)
            {
                case SettlementPriceFixedRecorded f:
                    fixedCount++;
                    _logger.LogInformation("{Market} settlement price fixed at {Price} (TWAP of {Samples} samples, exact {Exact}; {Trigger})", f.Market, f.Price, f.Samples, f.ExactAverage, trigger);
                    break;
                case SettlementFixingFailed f:
                    _logger.LogCritical("{Market} settlement price NOT fixed: {Reason} ({Trigger}); an operator must settle it", f.Market, f.Reason, trigger);
                    break;
            }
        }

        return fixedCount;
    }

    public Task<InstrumentExpiry> StateAsync(string market, CancellationToken cancellationToken) =>
        _repository.LoadAsync(market, cancellationToken).ContinueWith(t => t.Result.State, cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
}
