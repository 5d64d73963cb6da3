using Clearing.Contracts.Oracle.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Options;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.Primitives.Markets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using GovernedTier = Clearing.Parameters.MarginTier;

namespace Clearing.Margin.Integration;

/// <summary>
/// Governance → margin: each market's margin tiers from the parameter registry (set <c>market-{symbol}</c>) replace
/// that market's configured schedule from the version's effective time; the "Margin" configuration stays the value
/// for markets (and times) the registry does not cover, and for everything the registry does not govern (collateral
/// haircuts, bands).
/// <para>
/// The switch happens at a defined point: the first price update whose time is at or after the effective time. Before
/// the update is applied, the account book is given the parameters in force at the latest price time seen, so the
/// revaluation that update triggers — and every risk event it emits — already uses the new fractions, and no update
/// before it does. Prices of different assets are not ordered against each other, so the time only moves forward
/// (the latest seen): a late price of another asset never switches back. A replay of the same inputs switches at the
/// same update.
/// </para>
/// </summary>
public sealed class MarginParametersGateway(ParameterFeed feed, IOptions<MarginOptions> options, AccountBook book, ILogger<MarginParametersGateway> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly MarginParameters _configured = options.Value.ToParameters();
    private DateTimeOffset _latest = DateTimeOffset.MinValue;
    private string _inForce = "";

    /// <summary>The versions behind the parameters the book uses now ("" = configuration only), e.g. "market-BTC-PERP@1".</summary>
    public string InForce => _inForce;

    /// <summary>Wraps the price consumer: parameters first, then the update.</summary>
    public KafkaMessageHandler<PriceUpdate> Before(KafkaMessageHandler<PriceUpdate> prices) => async (message, cancellationToken) =>
    {
        await ApplyAtAsync(DateTimeOffset.UnixEpoch.AddTicks(message.Payload.TimeUnixNanos / 100), cancellationToken);
        await prices(message, cancellationToken);
    };

    /// <summary>Gives the account book the parameters in force at <paramref name="priceTime"/> (or the latest price time seen) when they changed.</summary>
    public async Task ApplyAtAsync(DateTimeOffset priceTime, CancellationToken cancellationToken)
    {
        await feed.WhenLoaded(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (priceTime > _latest)
            {
                _latest = priceTime;
            }

            feed.Observe(_latest);
            var (parameters, key) = At(feed.Book, _configured, book.Markets, _latest);
            if (key == _inForce)
            {
                return;
            }

            await book.UseDeciderAsync(new AccountDecider(new RiskCalculator(book.Markets, parameters, book.Decider.Risk.PortfolioMargin)), cancellationToken);
            logger.LogInformation("Margin parameters from {Versions} in force from the price update at {Time:O}", key.Length == 0 ? "configuration" : key, _latest);
            _inForce = key;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The margin parameters in force at <paramref name="time"/>: <paramref name="configured"/> with the schedule of
    /// every catalogued market whose registry set has a version in force replaced by that version's tiers; and the key
    /// naming those versions. Pure.
    /// </summary>
    public static (MarginParameters Parameters, string Key) At(ParameterBook registry, MarginParameters configured, MarketCatalog markets, DateTimeOffset time)
    {
        Dictionary<string, MarginSchedule>? schedules = null;
        var key = new List<string>();
        foreach (var market in markets.All.OrderBy(m => m.Symbol, StringComparer.Ordinal))
        {
            var setId = ParameterSets.MarketSet(market.Symbol);
            if (registry.At(setId, time) is not { Parameters: MarketParameters governed } version)
            {
                continue;
            }

            var schedule = ToSchedule(governed.MarginTiers);
            if (schedule.Validate(setId).Any())
            {
                // Governance validates tiers at proposal time; a schedule margin's own rules refuse is not used, and the
                // key says so (the host logs it when it switches).
                key.Add($"{setId}@{version.Version}(refused: {string.Join("; ", schedule.Validate(setId))})");
                continue;
            }

            schedules ??= new Dictionary<string, MarginSchedule>(configured.Schedules, StringComparer.Ordinal);
            schedules[market.Symbol] = schedule;
            key.Add($"{setId}@{version.Version}");
        }

        return (schedules is null ? configured : configured with { Schedules = schedules }, string.Join(",", key));
    }

    public static MarginSchedule ToSchedule(IReadOnlyList<GovernedTier> tiers) =>
        new(tiers.Select(t => new Domain.Accounts.MarginTier(t.UpToNotional, t.InitialMarginFraction, t.MaintenanceMarginFraction)).ToList());
}
