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

    public IReadOnlyList<LiveQuote> In(string market) => _byMarket.TryGetValue(market, out var quotes) ? [.. quotes.Values] : [];

    public void Placed(string market, LiveQuote quote) => Market(market)[quote.OrderId] = quote;

    public void Gone(string market, string orderId) => Market(market).TryRemove(orderId, out _);

    public void GoneAll(string market) => Market(market).Clear();

    public void Filled(string market, string orderId, decimal quantity)
    {
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
