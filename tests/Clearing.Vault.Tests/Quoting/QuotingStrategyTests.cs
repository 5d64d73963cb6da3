using Clearing.Vault.Domain.Quoting;
using CsCheck;

namespace Clearing.Vault.Tests.Quoting;

public sealed class QuotingStrategyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static QuoteParameters Btc(Func<QuoteParameters, QuoteParameters>? change = null)
    {
        var p = new QuoteParameters { Market = "BTC-PERP", TickSize = 0.5m, LotSize = 0.001m, QuoteNotional = 5_000m, MaxNotional = 100_000m, MaxShareOfNav = 0.2m };
        return change is null ? p : change(p);
    }

    private static QuoteInput Input(decimal index = 50_000m, OracleStatus status = OracleStatus.Ok, decimal vol = 0m, decimal position = 0m, decimal nav = 1_000_000m, TimeSpan? age = null) =>
        new(index, status, Now - (age ?? TimeSpan.FromMilliseconds(200)), Now, vol, position, nav);

    [Fact]
    public void a_flat_vault_quotes_both_sides_symmetrically_around_the_index()
    {
        var plan = QuotingStrategy.Plan(Btc(), Input());

        plan.Bid.ShouldBe(new Quote(QuoteSide.Bid, 49_975m, 0.1m));   // 5 bps half-spread = 25
        plan.Ask.ShouldBe(new Quote(QuoteSide.Ask, 50_025m, 0.1m));
    }

    [Fact]
    public void the_spread_widens_with_volatility_up_to_the_cap()
    {
        var calm = QuotingStrategy.Plan(Btc(), Input(vol: 0.001m));
        var wild = QuotingStrategy.Plan(Btc(), Input(vol: 0.5m));

        (calm.Ask!.Price - calm.Bid!.Price).ShouldBe(250m);           // (5 + 2 × 10) bps each side
        wild.HalfSpread.ShouldBe(0.02m);
        (wild.Ask!.Price - wild.Bid!.Price).ShouldBe(2_000m);
    }

    [Fact]
    public void a_long_inventory_skews_both_quotes_down_so_selling_is_likelier_than_buying_more()
    {
        var flat = QuotingStrategy.Plan(Btc(), Input());
        var longInventory = QuotingStrategy.Plan(Btc(), Input(position: 1m));   // 50k of a 100k cap: half

        longInventory.Bid!.Price.ShouldBeLessThan(flat.Bid!.Price);
        longInventory.Ask!.Price.ShouldBeLessThan(flat.Ask!.Price);
        longInventory.Ask.Price.ShouldBeGreaterThanOrEqualTo(50_000m);
    }

    [Fact]
    public void at_the_notional_cap_the_vault_stops_bidding_and_only_offers()
    {
        var plan = QuotingStrategy.Plan(Btc(), Input(position: 2m));   // 100k long = the cap

        plan.Bid.ShouldBeNull();
        plan.Ask.ShouldNotBeNull();
        plan.Reason.ShouldContain("long cap reached");
    }

    [Fact]
    public void the_cap_is_the_smaller_of_notional_and_share_of_nav()
    {
        var plan = QuotingStrategy.Plan(Btc(), Input(nav: 100_000m, position: -0.39m));   // cap 20k; short 19.5k

        plan.ExposureCap.ShouldBe(20_000m);
        plan.Ask!.Size.ShouldBe(0.01m);   // only 500 of room left on the short side
        plan.Bid!.Size.ShouldBe(0.1m);
    }

    [Theory]
    [InlineData(OracleStatus.Stale, "STALE")]
    [InlineData(OracleStatus.CircuitBreaker, "CIRCUIT_BREAKER")]
    public void quotes_are_pulled_when_the_oracle_cannot_be_trusted(OracleStatus status, string named)
    {
        var plan = QuotingStrategy.Plan(Btc(), Input(status: status));

        plan.Quotes.ShouldBeEmpty();
        plan.Reason.ShouldContain(named);
    }

    [Fact]
    public void quotes_are_pulled_when_no_price_came_for_longer_than_the_allowed_age()
    {
        QuotingStrategy.Plan(Btc(), Input(age: TimeSpan.FromSeconds(4))).Quotes.ShouldBeEmpty();
        QuotingStrategy.Plan(Btc(), Input(age: TimeSpan.FromSeconds(2))).Quotes.Count.ShouldBe(2);
    }

    [Fact]
    public void quotes_always_straddle_the_index_and_a_full_fill_never_takes_exposure_past_the_cap()
    {
        Gen.Select(Gen.Int[1_000, 200_000], Gen.Int[-400, 400], Gen.Int[0, 500], Gen.Int[1, 5_000]).Sample((index, position, vol, navK) =>
        {
            var p = Btc();
            var input = Input(index: index, position: position / 100m, vol: vol / 10_000m, nav: navK * 1_000m);
            var plan = QuotingStrategy.Plan(p, input);
            if (plan.Bid is { } bid)
            {
                bid.Price.ShouldBeLessThanOrEqualTo(index);
                (Math.Abs(input.Position + bid.Size) * index <= plan.ExposureCap || input.Position + bid.Size <= 0).ShouldBeTrue();
            }

            if (plan.Ask is { } ask)
            {
                ask.Price.ShouldBeGreaterThanOrEqualTo(index);
                (Math.Abs(input.Position - ask.Size) * index <= plan.ExposureCap || input.Position - ask.Size >= 0).ShouldBeTrue();
            }

            if (plan.Bid is not null && plan.Ask is not null)
            {
                (plan.Ask.Price - plan.Bid.Price).ShouldBeGreaterThanOrEqualTo(2 * plan.HalfSpread * index - 2 * p.TickSize);
            }
        }, iter: 2_000);
    }

    [Fact]
    public void volatility_follows_absolute_index_returns()
    {
        var vol = QuotingStrategy.NextVolatility(0m, 50_000m, 50_500m, 0.9m);

        vol.ShouldBe(0.001m);   // 10% weight on a 1% move
        QuotingStrategy.NextVolatility(vol, 50_500m, 50_500m, 0.9m).ShouldBe(0.0009m);
    }

    [Fact]
    public void reconciling_keeps_a_matching_quote_and_replaces_the_rest()
    {
        var plan = QuotingStrategy.Plan(Btc(), Input());
        IReadOnlyList<LiveQuote> live = [new("vq-1", QuoteSide.Bid, 49_975m, 0.1m), new("vq-2", QuoteSide.Ask, 50_100m, 0.1m)];

        var changes = QuoteReconciler.Reconcile(live, plan);

        changes.Cancel.Select(c => c.OrderId).ShouldBe(["vq-2"]);
        changes.Place.ShouldBe([new Quote(QuoteSide.Ask, 50_025m, 0.1m)]);
        QuoteReconciler.Reconcile(live, QuotingStrategy.Plan(Btc(), Input(status: OracleStatus.Stale))).Cancel.Count.ShouldBe(2);
    }
}
