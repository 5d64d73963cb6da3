using Clearing.Matching.Domain.Instruments;

namespace Clearing.Matching.Domain;

/// <summary>
/// What one engine instance (a shard: typically every market of one underlying, so market-maker protection can act
/// across them) trades. Market index = position in <see cref="Instruments"/>; underlying index = order of first
/// appearance of each distinct <see cref="InstrumentSpec.Underlying"/>.
/// </summary>
public sealed record EngineConfig
{
    public required IReadOnlyList<InstrumentSpec> Instruments { get; init; }
    public int FeeTierCount { get; init; } = 1;
    /// <summary>Pre-allocated order slots; the pools double when exceeded, which is the only hot-path allocation.</summary>
    public int InitialOrderCapacity { get; init; } = 1 << 16;
    public int InitialAccountCapacity { get; init; } = 1 << 10;
    /// <summary>Widest price range, in ticks, a book side indexes directly; levels beyond it use a slower sorted overflow.</summary>
    public int PriceLadderSpan { get; init; } = 1 << 20;

    public IReadOnlyList<string> Underlyings => Instruments.Select(i => i.Underlying).Distinct(StringComparer.Ordinal).ToList();

    public int UnderlyingIndexOf(int market) => IndexOf(Underlyings, Instruments[market].Underlying);

    public void Validate()
    {
        if (Instruments.Count == 0)
        {
            throw new ArgumentException("the engine needs at least one instrument");
        }
        if (PriceLadderSpan is < 64 or > 1 << 24)
        {
            throw new ArgumentException($"PriceLadderSpan must be in 64..2^24, got {PriceLadderSpan}");
        }
        if (FeeTierCount < 1)
        {
            throw new ArgumentException($"FeeTierCount must be at least 1, got {FeeTierCount}");
        }
        var symbols = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instrument in Instruments)
        {
            instrument.Validate(FeeTierCount);
            if (!symbols.Add(instrument.Symbol))
            {
                throw new ArgumentException($"instrument '{instrument.Symbol}' is configured twice");
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }
        return -1;
    }
}
