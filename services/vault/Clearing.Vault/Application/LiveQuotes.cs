using System.Collections.Concurrent;
using Clearing.Vault.Domain.Quoting;

namespace Clearing.Vault.Application;

/// <summary>
/// The vault's orders resting in each book, as far as it knows: added when the gateway accepts a quote, shrunk by fills,
/// removed by cancels and rejections seen on clearing.matching.events.v1. The quoting loop reconciles the plan against it.
/// </summary>
public sealed class LiveQuotes
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, LiveQuote>> _byMarket = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _lastFill = new(StringComparer.Ordinal);

    public IReadOnlyList<LiveQuote> In(string market) => _byMarket.TryGetValue(market, out var quotes) ? [.. quotes.Values] : [];

    public void Placed(string market, LiveQuote quote) => Market(market)[quote.OrderId] = quote;

    public void Gone(string market, string orderId) => Market(market).TryRemove(orderId, out _);

    public void GoneAll(string market) => Market(market).Clear();

    /// <summary>
    /// Shrinks a quote by a fill, once: a fill at or below the last sequence applied in its market is a message handled
    /// again (a retry, or a failed run handled one by one) and already counted. The message's source sequence (matching's
    /// book-{market} sequence) is gap-free per market and the vault reads each market in order, so the last one is all
    /// the memory this needs.
    /// </summary>
    public void Filled(string market, long sequence, string orderId, decimal quantity)
    {
        if (sequence <= _lastFill.GetValueOrDefault(market))
        {
            return;
        }

        _lastFill[market] = sequence;
        var quotes = Market(market);
        if (quotes.TryGetValue(orderId, out var quote))
        {
            var left = quote.Size - quantity;
            if (left <= 0)
            {
                quotes.TryRemove(orderId, out _);
            }
            else
            {
                quotes[orderId] = quote with { Size = left };
            }
        }
    }

    private ConcurrentDictionary<string, LiveQuote> Market(string market) => _byMarket.GetOrAdd(market, _ => new(StringComparer.Ordinal));
}
