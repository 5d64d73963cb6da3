namespace Clearing.Cli.Commands.Simulate;

/// <summary>
/// A market story the simulator plays: the index path of every asset over time, and how hard the actors push.
/// Paths are pure functions of elapsed time and the seed, so a scenario replays the same prices every run.
/// </summary>
internal sealed record Scenario(
    string Name,
    string Description,
    TimeSpan Duration,
    IReadOnlyDictionary<string, decimal> StartPrices,
    Func<string, double, decimal, decimal> Path,
    bool LeveragedLongs,
    double TakerOrdersPerSecond)
{
    public static readonly IReadOnlyList<string> Names = ["calm", "crash", "squeeze", "expiry"];

    /// <summary>Takers send the orders due at each tick in one SubmitOrders call instead of one PlaceOrder each.</summary>
    public bool TakerBatch { get; init; }

    /// <summary>When the stack's expiring markets expire (expiry scenario only; see <see cref="ExpiryPlay"/>).</summary>
    public DateTimeOffset? Expiry { get; init; }

    /// <summary>Index of <paramref name="asset"/> at <paramref name="seconds"/> into the run, before publisher noise.</summary>
    public decimal PriceAt(string asset, double seconds) => Path(asset, seconds, StartPrices[asset]);

    public static Scenario? Find(string name, TimeSpan? duration) => name switch
    {
        "calm" => Calm(duration ?? TimeSpan.FromSeconds(60)),
        "crash" => Crash(duration ?? TimeSpan.FromSeconds(110)),
        "squeeze" => Squeeze(duration ?? TimeSpan.FromSeconds(90)),
        "expiry" => ExpiryScenario(duration ?? TimeSpan.FromSeconds(30)),
        _ => null,
    };

    private static readonly Dictionary<string, decimal> Starts = new(StringComparer.Ordinal) { ["BTC"] = 100_000m, ["ETH"] = 3_500m, ["USDC"] = 1m };

    /// <summary>Small oscillation around the start: quoting, taking, no liquidation.</summary>
    private static Scenario Calm(TimeSpan duration) => new("calm", "prices drift ±0.3%; market makers quote, takers trade", duration, Starts,
        (asset, t, start) => asset == "USDC" ? 1m : start * (1m + 0.003m * (decimal)Math.Sin(t / 20.0)), LeveragedLongs: false, TakerOrdersPerSecond: 8);

    /// <summary>
    /// 20 s of calm while leveraged longs open, then −30% over 60 s: an 18% slide with a 12% gap at 62 s, then flat. The
    /// slide liquidates the 9.5× longs (about 9.4% down) while the book and the insurance fund can still take them; the gap
    /// jumps the 5× longs from 12.6% down, above their liquidation price, to 24.6%, past their bankruptcy price at 20%, in
    /// one tick: a loss larger than the fund holds, so the fund pays what it has and ADL closes the rest against the
    /// profitable shorts. The oracle's circuit breaker trips on the slide.
    /// </summary>
    private static Scenario Crash(TimeSpan duration) => new("crash", "−30% in a minute (12% of it one gap) after leveraged longs open", duration, Starts,
        (asset, t, start) =>
        {
            if (asset == "USDC")
            {
                return 1m;
            }
            var slide = 0.18m * (decimal)Math.Clamp((t - 20.0) / 60.0, 0.0, 1.0);
            return start * (1m - slide - (t >= 62.0 ? 0.12m : 0m));
        }, LeveragedLongs: true, TakerOrdersPerSecond: 6);

    /// <summary>
    /// A BTC future and options expire during the run (the stack must be started with them: `demo --scenario expiry` or
    /// `up --expiring-in`); the index swings ±0.4% so the TWAP differs from the last price. The run lasts until the
    /// fixings are due (at least <paramref name="duration"/>).
    /// </summary>
    private static Scenario ExpiryScenario(TimeSpan duration) => new("expiry", "a BTC future and three options expire and settle at the index TWAP", duration, Starts,
        (asset, t, start) => asset == "USDC" ? 1m : start * (1m + 0.004m * (decimal)Math.Sin(t / 15.0)), LeveragedLongs: false, TakerOrdersPerSecond: 4);

    /// <summary>Takers chase a +8% move, then it reverses: the book trades above the index, then below, so funding flips sign.</summary>
    private static Scenario Squeeze(TimeSpan duration) => new("squeeze", "+8% squeeze then reversal; the premium (and funding) flips", duration, Starts,
        (asset, t, start) =>
        {
            if (asset == "USDC")
            {
                return 1m;
            }
            var half = duration.TotalSeconds / 2;
            var up = t < half ? t / half : Math.Max(0, 2 - t / half);
            return start * (1m + 0.08m * (decimal)up);
        }, LeveragedLongs: false, TakerOrdersPerSecond: 12);
}
