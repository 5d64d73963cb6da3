namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// The price-tick hot path for one linear market: every margin unit holding it, as flat arrays of fixed-point
/// integers, so a new mark revalues a million positions in a few tens of milliseconds on one core. Per unit it keeps
/// the position (size, exact cost) and everything else the unit's band depends on, frozen at the last exact
/// valuation: the equity and the maintenance requirement of the rest of the unit. A tick recomputes
/// equity = rest + size × mark − cost and maintenance = rest + tiered(|size| × mark), and reports the units whose
/// band differs from the one recorded; the caller confirms each with the exact decimal valuation
/// (<see cref="RiskCalculator"/>), appends the risk events and records the band with <see cref="SetBand"/>.
/// </summary>
/// <remarks>
/// Scales: sizes and prices × 10^8 in <see cref="long"/> (any lot and tick of 8 decimals or fewer is exact);
/// money × 10^16 and requirements × 10^22 (money × fraction with 6-decimal fractions) in <see cref="Int128"/>, which
/// holds 10^9 of notional with room to spare. Rest-of-unit equity is rounded down and rest-of-unit maintenance up
/// when stored, so the filter errs toward reporting a unit (the exact check then decides), never toward missing one.
/// Holds no strings on the hot path; slots are dense and removal swaps the last slot in.
/// </remarks>
public sealed class MarketRiskIndex
{
    private const long PriceScale = 100_000_000L;              // 10^8
    private static readonly Int128 MoneyScale = (Int128)10_000_000_000_000_000L; // 10^16
    private const long FractionScale = 1_000_000L;             // 10^6
    private const long WarningScale = 10_000L;                 // health threshold in 10^-4

    private readonly Int128[] _tierCaps;        // notional × 10^16; Int128.MaxValue for the last tier
    private readonly long[] _tierFractions;     // maintenance fraction × 10^6
    private readonly long _warning;             // WarningHealth × 10^4
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private string[] _accounts = [];
    private long[] _size = [];
    private Int128[] _cost = [];
    private Int128[] _restEquity = [];
    private Int128[] _restMaintenance = [];
    private byte[] _band = [];

    public MarketRiskIndex(string market, MarginSchedule schedule, decimal warningHealth, int capacity = 16)
    {
        Market = market;
        _tierCaps = schedule.Tiers.Select(t => t.UpToNotional is { } cap ? ToInt128(cap * 1_0000_0000m) * (Int128)100_000_000L : Int128.MaxValue).ToArray();
        _tierFractions = schedule.Tiers.Select(t => ToLong(t.MaintenanceFraction * FractionScale, "maintenance fraction (at most 6 decimals)")).ToArray();
        _warning = ToLong(warningHealth * WarningScale, "warning health (at most 4 decimals)");
        Grow(capacity);
    }

    public string Market { get; }

    public int Count { get; private set; }

    public string AccountAt(int slot) => _accounts[slot];

    public HealthBand BandAt(int slot) => (HealthBand)_band[slot];

    /// <summary>
    /// Records (or replaces) a unit: its position in this market, and the equity and maintenance requirement of the
    /// rest of the unit (collateral plus other positions, valued exactly by the caller), and its current band.
    /// </summary>
    public void Upsert(string accountId, decimal size, decimal cost, decimal restEquity, decimal restMaintenance, HealthBand band)
    {
        if (!_slots.TryGetValue(accountId, out var slot))
        {
            if (Count == _accounts.Length)
            {
                Grow(Math.Max(16, _accounts.Length * 2));
            }

            slot = Count++;
            _slots[accountId] = slot;
            _accounts[slot] = accountId;
        }

        _size[slot] = ToLong(size * PriceScale, $"{accountId} size (at most 8 decimals)");
        _cost[slot] = ToMoney(cost, roundUp: true);
        _restEquity[slot] = ToMoney(restEquity, roundUp: false);
        _restMaintenance[slot] = ToMoney(restMaintenance, roundUp: true) * FractionScale;
        _band[slot] = (byte)band;
    }

    public bool Remove(string accountId)
    {
        if (!_slots.Remove(accountId, out var slot))
        {
            return false;
        }

        var last = --Count;
        if (slot != last)
        {
            _accounts[slot] = _accounts[last];
            _size[slot] = _size[last];
            _cost[slot] = _cost[last];
            _restEquity[slot] = _restEquity[last];
            _restMaintenance[slot] = _restMaintenance[last];
            _band[slot] = _band[last];
            _slots[_accounts[slot]] = slot;
        }

        _accounts[last] = null!;
        return true;
    }

    public void SetBand(int slot, HealthBand band) => _band[slot] = (byte)band;

    /// <summary>Whether a size is exact at the index's scale (8 decimals, within range).</summary>
    public static bool Fits(decimal size)
    {
        var scaled = size * PriceScale;
        return scaled == decimal.Truncate(scaled) && Math.Abs(scaled) < long.MaxValue / 2;
    }

    /// <summary>Revalues every unit at <paramref name="mark"/>; adds the slots whose band moved to <paramref name="moved"/>.</summary>
    public int Revalue(decimal mark, List<int> moved)
    {
        // A mark finer than 10^-8 is rounded: the index is a filter, the exact valuation decides.
        var mark8 = ToLong(Math.Round(mark * PriceScale, MidpointRounding.ToEven), "mark");
        var found = 0;
        var size = _size;
        var cost = _cost;
        var restEquity = _restEquity;
        var restMaintenance = _restMaintenance;
        var band = _band;
        for (var i = 0; i < Count; i++)
        {
            var s = size[i];
            var equity = restEquity[i] + (Int128)s * mark8 - cost[i];
            var now = BandOf(equity, restMaintenance[i] + Maintenance((Int128)Math.Abs(s) * mark8));
            if (now != band[i])
            {
                moved.Add(i);
                found++;
            }
        }

        return found;
    }

    private byte BandOf(Int128 equity, Int128 maintenance)
    {
        if (equity < Int128.Zero)
        {
            return (byte)HealthBand.Bankrupt;
        }

        if (maintenance == Int128.Zero)
        {
            return (byte)HealthBand.Healthy;
        }

        var scaled = equity * FractionScale;
        if (scaled < maintenance)
        {
            return (byte)HealthBand.Liquidation;
        }

        return scaled * WarningScale < maintenance * _warning ? (byte)HealthBand.Warning : (byte)HealthBand.Healthy;
    }

    /// <summary>Tiered maintenance × 10^22 for a notional × 10^16.</summary>
    private Int128 Maintenance(Int128 notional)
    {
        var total = Int128.Zero;
        var lower = Int128.Zero;
        var caps = _tierCaps;
        for (var t = 0; t < caps.Length && notional > lower; t++)
        {
            var upper = notional < caps[t] ? notional : caps[t];
            total += (upper - lower) * _tierFractions[t];
            lower = upper;
        }

        return total;
    }

    private void Grow(int capacity)
    {
        Array.Resize(ref _accounts, capacity);
        Array.Resize(ref _size, capacity);
        Array.Resize(ref _cost, capacity);
        Array.Resize(ref _restEquity, capacity);
        Array.Resize(ref _restMaintenance, capacity);
        Array.Resize(ref _band, capacity);
    }

    private static Int128 ToMoney(decimal value, bool roundUp)
    {
        // value × 10^16 in two steps (× 10^8 twice) so large amounts do not overflow decimal's 28 digits.
        var high = value * PriceScale;
        var rounded = roundUp ? Math.Ceiling(high * PriceScale) : Math.Floor(high * PriceScale);
        return ToInt128(rounded);
    }

    private static Int128 ToInt128(decimal value) => (Int128)value;

    private static long ToLong(decimal scaled, string what) =>
        scaled == decimal.Truncate(scaled) && scaled is >= long.MinValue and <= long.MaxValue
            ? (long)scaled
            : throw new ArgumentException($"{what} does not fit the index's fixed-point scale: {scaled / PriceScale}");
}
