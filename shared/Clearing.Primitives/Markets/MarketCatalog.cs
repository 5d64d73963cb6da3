using System.Collections.Frozen;

namespace Clearing.Primitives.Markets;

/// <summary>
/// The markets a deployment trades, in a stable order (by symbol, ordinal) so every service derives the same dense
/// index for a market (matching uses it as its engine market id). Services bind it from the "Markets" configuration
/// section (a list of <see cref="MarketDefinition"/>); an empty section means <see cref="EmbeddedDefaults"/>.
/// </summary>
public sealed class MarketCatalog
{
    private readonly FrozenDictionary<string, MarketDefinition> _bySymbol;
    private readonly FrozenDictionary<string, int> _index;

    public MarketCatalog(IEnumerable<MarketDefinition> markets)
    {
        ArgumentNullException.ThrowIfNull(markets);
        var list = markets.OrderBy(m => m.Symbol, StringComparer.Ordinal).ToList();
        var problems = list.SelectMany(m => m.Validate()).ToList();
        problems.AddRange(list.GroupBy(m => m.Symbol, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: defined {g.Count()} times"));
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid market catalog: " + string.Join("; ", problems), nameof(markets));
        }
        All = list;
        _bySymbol = list.ToFrozenDictionary(m => m.Symbol, StringComparer.Ordinal);
        _index = list.Select((m, i) => (m.Symbol, i)).ToFrozenDictionary(p => p.Symbol, p => p.i, StringComparer.Ordinal);
    }

    public IReadOnlyList<MarketDefinition> All { get; }

    public bool TryGet(string symbol, out MarketDefinition market) => _bySymbol.TryGetValue(symbol, out market!);

    public MarketDefinition Get(string symbol) =>
        _bySymbol.TryGetValue(symbol, out var market) ? market : throw new KeyNotFoundException($"unknown market '{symbol}'");

    /// <summary>Dense 0-based index in symbol order: identical in every process given the same catalog.</summary>
    public int IndexOf(string symbol) =>
        _index.TryGetValue(symbol, out var i) ? i : throw new KeyNotFoundException($"unknown market '{symbol}'");

    public IEnumerable<MarketDefinition> ForUnderlying(string asset) => All.Where(m => m.Underlying == asset);

    /// <summary>
    /// What `clearing up` and tests trade when no Markets section is configured: two perpetuals, a quarterly BTC
    /// future and a small BTC option chain on the same expiry. Tick and lot sizes follow the large venues
    /// (REFERENCE.md): BTC 0.5 USDC / 0.001 BTC, ETH 0.05 USDC / 0.01 ETH.
    /// </summary>
    public static MarketCatalog EmbeddedDefaults { get; } = new(DefaultMarkets());

    private static IEnumerable<MarketDefinition> DefaultMarkets()
    {
        var expiry = new DateTimeOffset(2027, 3, 26, 8, 0, 0, TimeSpan.Zero);
        yield return new MarketDefinition { Symbol = "BTC-PERP", Underlying = "BTC", TickSize = 0.5m, LotSize = 0.001m, MinOrderSize = 0.001m, MaxOrderSize = 1_000m };
        yield return new MarketDefinition { Symbol = "ETH-PERP", Underlying = "ETH", TickSize = 0.05m, LotSize = 0.01m, MinOrderSize = 0.01m, MaxOrderSize = 10_000m };
        yield return new MarketDefinition
        {
            Symbol = "BTC-26MAR27", Kind = MarketKind.Future, Underlying = "BTC", TickSize = 0.5m, LotSize = 0.001m,
            MinOrderSize = 0.001m, MaxOrderSize = 1_000m, Expiry = expiry,
        };
        foreach (var strike in new[] { 80_000m, 100_000m, 120_000m })
        {
            foreach (var right in new[] { OptionRight.Call, OptionRight.Put })
            {
                yield return new MarketDefinition
                {
                    Symbol = $"BTC-26MAR27-{strike:0}-{(right == OptionRight.Call ? "C" : "P")}", Kind = MarketKind.Option,
                    Underlying = "BTC", TickSize = 0.5m, LotSize = 0.01m, MinOrderSize = 0.01m, MaxOrderSize = 100m,
                    PriceBand = 0m, MakerFee = 0.0002m, TakerFee = 0.0003m, Expiry = expiry, Strike = strike, Right = right,
                };
            }
        }
    }
}
