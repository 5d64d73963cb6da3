using Clearing.Matching.Domain;
using CsCheck;

namespace Clearing.Matching.Tests;

/// <summary>The book side's price index against a sorted dictionary, through window moves, growth and overflow.</summary>
public sealed class PriceLadderTests
{
    [Theory]
    [InlineData(true, 64)]
    [InlineData(false, 64)]
    [InlineData(true, 4096)]
    [InlineData(false, 1 << 16)]
    public void the_ladder_agrees_with_a_sorted_model_on_random_operations(bool isBid, int maxSpan)
    {
        Gen.Int[0, int.MaxValue].Array[1, 600].Sample(values =>
        {
            var ladder = new PriceLadder(isBid, maxSpan);
            var model = new SortedDictionary<long, int>();
            var nextLevel = 0;
            var mid = 100_000L;
            for (var i = 0; i + 1 < values.Length; i += 2)
            {
                var roll = values[i] % 100;
                var r = values[i + 1];
                mid += (r % 5) - 2;
                if (roll < 55 || model.Count == 0)
                {
                    // Mostly near the market, sometimes far out, sometimes a jump of the whole market.
                    var price = roll switch
                    {
                        < 5 => Math.Max(1, mid + (r % 20_000) - 10_000),
                        < 8 => mid += (r % 2_000) - 1_000,
                        _ => mid + (r % 41) - 20,
                    };
                    if (!model.ContainsKey(price))
                    {
                        ladder.Find(price).ShouldBe(-1);
                        ladder.Add(price, nextLevel);
                        model.Add(price, nextLevel++);
                    }
                }
                else
                {
                    var victim = roll < 80 ? Best(model, isBid) : model.Keys.ElementAt(r % model.Count);
                    ladder.Find(victim).ShouldBe(model[victim]);
                    ladder.Remove(victim);
                    model.Remove(victim);
                }
                ladder.Count.ShouldBe(model.Count);
                Walk(ladder).ShouldBe(Ordered(model, isBid));
            }
            foreach (var (price, level) in model)
            {
                ladder.Find(price).ShouldBe(level);
            }
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void a_level_left_in_overflow_joins_the_window_when_the_window_moves_over_it()
    {
        var ladder = new PriceLadder(isBid: true, maxSpan: 64);
        ladder.Add(1_000, 0);
        ladder.Add(5_000, 1);
        ladder.Add(1_010, 2);
        ladder.Remove(1_000);
        ladder.Remove(1_010);
        // The window is empty now; a price next to the overflow level re-centres it there.
        ladder.Add(5_001, 3);
        ladder.Find(5_000).ShouldBe(1);
        ladder.Remove(5_000);
        ladder.Find(5_000).ShouldBe(-1);
        Walk(ladder).ShouldBe([(5_001L, 3)]);
    }

    private static long Best(SortedDictionary<long, int> model, bool isBid) => isBid ? model.Keys.Last() : model.Keys.First();

    private static List<(long, int)> Ordered(SortedDictionary<long, int> model, bool isBid) =>
        (isBid ? model.Reverse() : model).Select(kv => (kv.Key, kv.Value)).ToList();

    private static List<(long, int)> Walk(PriceLadder ladder)
    {
        var result = new List<(long, int)>();
        for (var level = ladder.Best(out var price); level >= 0; level = ladder.NextWorse(price, out price))
        {
            result.Add((price, level));
            if (result.Count > 100_000)
            {
                throw new InvalidOperationException("the walk does not end");
            }
        }
        return result;
    }
}
