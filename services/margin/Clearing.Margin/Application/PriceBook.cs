using Clearing.Margin.Domain.Accounts;

namespace Clearing.Margin.Application;

/// <summary>
/// The latest prices margin has seen, as one immutable <see cref="RiskPrices"/> swapped atomically. Prices are not
/// money movements: the newest value per asset wins (an update at or below the last sequence of its asset is a repeat
/// and is ignored), so this needs no inbox in any account. After a restart it is empty until the oracle's next tick;
/// until then positions are carried at entry and non-quote collateral counts zero (conservative).
/// </summary>
public sealed class PriceBook
{
    private RiskPrices _current = RiskPrices.Empty;

    public RiskPrices Current => Volatile.Read(ref _current);

    /// <summary>Applies an update if it is newer than the asset's last one; false when it is a repeat or changes nothing.</summary>
    public bool TryApply(string asset, long sequence, Func<RiskPrices, RiskPrices> update)
    {
        while (true)
        {
            var current = Current;
            if (current.Assets.TryGetValue(asset, out var last) && sequence <= last.Sequence)
            {
                return false;
            }

            var next = update(current);
            if (ReferenceEquals(next, current))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, next, current) == current)
            {
                return true;
            }
        }
    }
}
