using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Clearing.Contracts.Oracle.V1;
using Clearing.Vault.Domain.Quoting;

namespace Clearing.Vault.Application;

/// <summary>The oracle as the vault last saw it for one asset: index, status, when, and the recent volatility of the index.</summary>
public sealed record AssetPrice(long Sequence, DateTimeOffset At, OracleStatus Status, decimal Index, decimal Volatility);

/// <summary>
/// Latest oracle prices from clearing.oracle.prices.v1: marks per market (to value the vault) and index, status and a
/// moving average of absolute index returns per asset (to quote). Sequences are gap-free per asset; a repeat or a late
/// update is ignored so the view never goes back in time. An asset turning STALE or circuit-broken is also announced on
/// <see cref="Pulls"/>, so the quoting loop withdraws its quotes on the message rather than on its next timed pass.
/// </summary>
public sealed class MarketPrices(decimal volatilityDecay = 0.9m)
{
    private readonly ConcurrentDictionary<string, AssetPrice> _assets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, decimal> _marks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Channel<string> _pulls = Channel.CreateUnbounded<string>();

    /// <summary>Assets whose oracle just went from OK (or from nothing) to STALE or CIRCUIT_BREAKER.</summary>
    public ChannelReader<string> Pulls => _pulls.Reader;

    public void Apply(PriceUpdate update)
    {
        lock (_gate)
        {
            _assets.TryGetValue(update.Asset, out var last);
            if (last is not null && update.Sequence <= last.Sequence)
            {
                return;
            }

            var status = update.Status switch
            {
                PriceStatus.Ok => OracleStatus.Ok,
                PriceStatus.CircuitBreaker => OracleStatus.CircuitBreaker,
                _ => OracleStatus.Stale,
            };
            var index = Parse(update.IndexPrice, "index_price");
            var volatility = last is null ? 0m : QuotingStrategy.NextVolatility(last.Volatility, last.Index, index, volatilityDecay);
            _assets[update.Asset] = new AssetPrice(update.Sequence, DateTimeOffset.UnixEpoch.AddTicks(update.TimeUnixNanos / 100), status, index, volatility);
            if (status != OracleStatus.Ok && last?.Status is null or OracleStatus.Ok)
            {
                _pulls.Writer.TryWrite(update.Asset);
            }
            foreach (var mark in update.Marks)
            {
                var value = Parse(mark.MarkPrice_, $"marks[{mark.Market}].mark_price");
                if (value > 0)
                {
                    _marks[mark.Market] = value;
                }
            }
        }
    }

    public AssetPrice? Asset(string asset) => _assets.TryGetValue(asset, out var price) ? price : null;

    public IReadOnlyDictionary<string, decimal> Marks => new Dictionary<string, decimal>(_marks, StringComparer.Ordinal);

    private static decimal Parse(string text, string field) =>
        text.Length == 0 ? 0m
        : decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) ? value
        : throw new FormatException($"oracle price field {field} '{text}' is not a plain decimal");
}
