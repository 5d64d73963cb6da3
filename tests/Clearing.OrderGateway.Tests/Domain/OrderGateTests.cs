using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Rules;
using NSec.Cryptography;
using static Clearing.OrderGateway.Tests.Domain.GateFixture;

namespace Clearing.OrderGateway.Tests.Domain;

public sealed class OrderGateTests
{
    private readonly GateFixture _f = new();

    [Fact]
    public void a_well_signed_order_within_every_limit_is_accepted_with_a_command_id_naming_account_and_nonce()
    {
        var order = _f.Order();
        var accept = _f.Evaluate(order).ShouldBeOfType<GateOutcome.Accept>();
        accept.CommandId.ShouldBe($"gw:acct-1:{order.Nonce}");
    }

    [Fact]
    public void a_signature_over_other_bytes_is_refused_as_bad_signature()
    {
        var order = _f.Order();
        var proof = _f.Sign(order with { Quantity = 5m });
        _f.Evaluate(order, proof).ShouldBeRefused(Rule.BadSignature, RefusalStatus.Unauthenticated);
    }

    [Fact]
    public void a_signature_by_another_key_is_refused_as_wrong_key()
    {
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        var order = _f.Order();
        _f.Evaluate(order, _f.Sign(order, other)).ShouldBeRefused(Rule.WrongKey, RefusalStatus.PermissionDenied);
    }

    [Fact]
    public void an_account_without_a_registered_key_is_refused()
    {
        var order = _f.Order();
        OrderGate.Evaluate(_f.Ledger, order, _f.Sign(order), registeredKey: null, null, null, new PreTradeParameters(), new GateParameters(), Now)
            .ShouldBeRefused(Rule.UnknownAccount, RefusalStatus.Unauthenticated);
    }

    [Fact]
    public void an_expired_order_is_refused_and_one_expiring_too_far_ahead_too()
    {
        var late = _f.Order() with { ExpiresAtUnixNanos = Now - 1 };
        _f.Evaluate(late).ShouldBeRefused(Rule.Expired, RefusalStatus.DeadlineExceeded);
        var far = _f.Order() with { ExpiresAtUnixNanos = Now + 3600 * Second };
        _f.Evaluate(far).ShouldBeRefused(Rule.ExpiryTooFar, RefusalStatus.InvalidArgument);
    }

    [Fact]
    public void a_nonce_already_used_is_refused_as_replayed_even_for_another_order()
    {
        var first = _f.Order("o-1");
        _f.Record(first, _f.Evaluate(first).ShouldBeOfType<GateOutcome.Accept>(), 0);
        var second = _f.Order("o-2") with { Nonce = first.Nonce };
        _f.Evaluate(second).ShouldBeRefused(Rule.ReplayedNonce, RefusalStatus.AlreadyExists);
    }

    [Fact]
    public void nonces_are_forgotten_once_their_commands_expired_because_the_expiry_check_refuses_replays_first()
    {
        var first = _f.Order("o-1");
        _f.Record(first, _f.Evaluate(first).ShouldBeOfType<GateOutcome.Accept>(), 0);
        _f.Ledger.RememberedNonces.ShouldBe(1);
        var later = Now + 60 * Second;
        var replay = _f.Order("o-2") with { Nonce = first.Nonce, ExpiresAtUnixNanos = first.ExpiresAtUnixNanos };
        _f.Evaluate(replay, now: later).ShouldBeRefused(Rule.Expired, RefusalStatus.DeadlineExceeded);
        _f.Evaluate(_f.Order("o-3") with { ExpiresAtUnixNanos = later + 30 * Second }, now: later).ShouldBeOfType<GateOutcome.Accept>();
        _f.Ledger.RememberedNonces.ShouldBe(0);
    }

    [Fact]
    public void the_same_client_order_id_with_the_same_content_returns_the_first_result()
    {
        var first = _f.Order("o-1");
        var accept = _f.Evaluate(first).ShouldBeOfType<GateOutcome.Accept>();
        _f.Record(first, accept, 0);
        var retry = _f.Order("o-1");
        retry.Nonce.ShouldNotBe(first.Nonce);
        _f.Evaluate(retry).ShouldBeOfType<GateOutcome.Duplicate>().Original.CommandId.ShouldBe(accept.CommandId);
    }

    [Fact]
    public void the_same_client_order_id_with_other_content_is_refused_as_a_conflict()
    {
        var first = _f.Order("o-1");
        _f.Record(first, _f.Evaluate(first).ShouldBeOfType<GateOutcome.Accept>(), 0);
        _f.Evaluate(_f.Order("o-1", quantity: 0.2m)).ShouldBeRefused(Rule.OrderIdConflict, RefusalStatus.Aborted);
    }

    [Fact]
    public void an_account_over_its_rate_is_refused_until_the_bucket_refills()
    {
        _f.Gate = new GateParameters { RateLimitBurst = 3, RateLimitPerSecond = 2 };
        for (var i = 0; i < 3; i++)
        {
            _f.Evaluate(_f.Order($"o-{i}")).ShouldBeOfType<GateOutcome.Accept>();
        }

        _f.Evaluate(_f.Order("o-3")).ShouldBeRefused(Rule.RateLimit, RefusalStatus.ResourceExhausted);
        _f.Evaluate(_f.Order("o-4"), now: Now + Second / 2).ShouldBeOfType<GateOutcome.Accept>();
    }

    [Fact]
    public void an_unknown_market_is_refused_as_not_found()
    {
        _f.Evaluate(_f.Order(market: "DOGE-PERP")).ShouldBeRefused(Rule.UnknownMarket, RefusalStatus.NotFound);
    }

    [Theory]
    [InlineData("halted")]
    [InlineData("expired")]
    [InlineData("pre-open")]
    public void a_market_that_is_not_open_refuses_new_orders_but_takes_cancels(string status)
    {
        _f.Status = status switch { "halted" => MarketStatus.Halted, "expired" => MarketStatus.Expired, _ => MarketStatus.PreOpen };
        _f.Evaluate(_f.Order()).ShouldBeRefused(Rule.MarketNotOpen, RefusalStatus.Unavailable).Detail.ShouldContain(status);
        var cancel = _f.Order() with { Kind = CommandKind.Cancel };
        _f.Evaluate(cancel).ShouldBeOfType<GateOutcome.Accept>();
    }

    [Fact]
    public void an_off_tick_price_is_refused()
    {
        _f.Evaluate(_f.Order(price: 50_000.25m)).ShouldBeRefused(Rule.OffTick, RefusalStatus.InvalidArgument).Detail.ShouldContain("0.5");
    }

    [Fact]
    public void an_off_lot_quantity_is_refused()
    {
        _f.Evaluate(_f.Order(quantity: 0.0015m)).ShouldBeRefused(Rule.OffLot, RefusalStatus.InvalidArgument);
    }

    [Fact]
    public void sizes_outside_the_market_limits_are_refused_as_out_of_range()
    {
        _f.Evaluate(_f.Order(quantity: 1001m)).ShouldBeRefused(Rule.AboveMaxSize, RefusalStatus.OutOfRange);
        _f.Evaluate(_f.Order(quantity: 0m)).ShouldBeRefused(Rule.Malformed, RefusalStatus.InvalidArgument);
    }

    [Fact]
    public void a_limit_price_outside_the_band_around_the_mark_is_refused()
    {
        _f.Evaluate(_f.Order(price: 52_500m)).ShouldBeOfType<GateOutcome.Accept>();
        _f.Evaluate(_f.Order(price: 52_500.5m)).ShouldBeRefused(Rule.PriceBand, RefusalStatus.OutOfRange);
        _f.Evaluate(_f.Order(price: 47_499.5m)).ShouldBeRefused(Rule.PriceBand, RefusalStatus.OutOfRange);
    }

    [Fact]
    public void an_order_needing_more_margin_than_available_is_refused()
    {
        // 1 BTC at 50 000 with a 10% initial fraction needs 5 000.
        _f.Margin = new MarginSnapshot(4_999m, false, new Dictionary<string, decimal>());
        _f.Evaluate(_f.Order(quantity: 1m)).ShouldBeRefused(Rule.InsufficientMargin, RefusalStatus.FailedPrecondition).Detail.ShouldContain("5000");
        _f.Margin = new MarginSnapshot(5_000m, false, new Dictionary<string, decimal>());
        _f.Evaluate(_f.Order(quantity: 1m)).ShouldBeOfType<GateOutcome.Accept>();
    }

    [Fact]
    public void an_order_that_reduces_the_position_needs_no_margin()
    {
        _f.Margin = new MarginSnapshot(0m, false, new Dictionary<string, decimal> { ["BTC-PERP"] = -2m });
        _f.Evaluate(_f.Order(quantity: 1m)).ShouldBeOfType<GateOutcome.Accept>();
        // Buying 3 against a 2 short ends 1 long: less exposure than before, still no margin needed.
        _f.Evaluate(_f.Order(quantity: 3m)).ShouldBeOfType<GateOutcome.Accept>();
        // Buying 5 ends 3 long: 1 BTC more exposure than the 2 short, which needs margin.
        _f.Evaluate(_f.Order(quantity: 5m)).ShouldBeRefused(Rule.InsufficientMargin, RefusalStatus.FailedPrecondition);
    }

    [Fact]
    public void an_account_without_a_margin_view_may_not_add_risk_unless_configured_to()
    {
        _f.Margin = null;
        _f.Evaluate(_f.Order()).ShouldBeRefused(Rule.NoMarginAccount, RefusalStatus.FailedPrecondition);
        _f.Evaluate(_f.Order() with { ReduceOnly = true }).ShouldBeOfType<GateOutcome.Accept>();
        _f.PreTrade = new PreTradeParameters { RefuseWithoutMarginAccount = false };
        _f.Evaluate(_f.Order()).ShouldBeOfType<GateOutcome.Accept>();
    }

    [Fact]
    public void isolated_margin_needs_collateral_covering_the_order_and_available_to_pin()
    {
        var isolated = _f.Order(quantity: 1m) with { MarginMode = MarginMode.Isolated, IsolatedCollateral = 4_000m, CollateralAsset = "USDC" };
        _f.Evaluate(isolated).ShouldBeRefused(Rule.InsufficientIsolatedCollateral, RefusalStatus.FailedPrecondition);
        _f.Margin = new MarginSnapshot(6_000m, false, new Dictionary<string, decimal>());
        _f.Evaluate(isolated with { IsolatedCollateral = 7_000m }).ShouldBeRefused(Rule.InsufficientMargin, RefusalStatus.FailedPrecondition);
        _f.Evaluate(isolated with { IsolatedCollateral = 6_000m }).ShouldBeOfType<GateOutcome.Accept>();
        _f.Evaluate(_f.Order() with { MarginMode = MarginMode.Isolated }).ShouldBeRefused(Rule.Malformed, RefusalStatus.InvalidArgument);
    }

    [Fact]
    public void a_liquidating_account_may_only_reduce()
    {
        _f.Margin = new MarginSnapshot(1_000_000m, true, new Dictionary<string, decimal>());
        _f.Evaluate(_f.Order()).ShouldBeRefused(Rule.AccountLiquidating, RefusalStatus.FailedPrecondition);
    }

    [Fact]
    public void an_order_under_a_session_is_authenticated_by_its_mac()
    {
        var (id, secret) = _f.GrantSession();
        var order = _f.Order();
        _f.Evaluate(order, Mac(order, id, secret)).ShouldBeOfType<GateOutcome.Accept>();
        _f.Evaluate(order, Mac(order with { Price = 50_001m }, id, secret)).ShouldBeRefused(Rule.BadSignature, RefusalStatus.Unauthenticated);
        _f.Evaluate(order, Mac(order, "no-such-session", secret)).ShouldBeRefused(Rule.UnknownSession, RefusalStatus.Unauthenticated);
    }

    [Fact]
    public void a_session_is_held_to_its_markets_size_and_expiry()
    {
        var (id, secret) = _f.GrantSession(markets: ["BTC-PERP"], maxQuantity: 0.5m, expiresAt: Now + 60 * Second);
        var eth = _f.Order(market: "ETH-PERP", price: 3000m, quantity: 1m);
        _f.Evaluate(eth, Mac(eth, id, secret)).ShouldBeRefused(Rule.SessionMarket, RefusalStatus.PermissionDenied);
        var big = _f.Order(quantity: 0.6m);
        _f.Evaluate(big, Mac(big, id, secret)).ShouldBeRefused(Rule.SessionMaxSize, RefusalStatus.PermissionDenied);
        var late = _f.Order() with { ExpiresAtUnixNanos = Now + 90 * Second };
        _f.Evaluate(late, Mac(late, id, secret), now: Now + 61 * Second).ShouldBeRefused(Rule.SessionExpired, RefusalStatus.PermissionDenied);
    }

    [Fact]
    public void a_revoked_session_authenticates_nothing_from_the_next_order_on()
    {
        var (id, secret) = _f.GrantSession();
        var first = _f.Order("o-1");
        _f.Evaluate(first, Mac(first, id, secret)).ShouldBeOfType<GateOutcome.Accept>();
        _f.Ledger.RecordRevocation(id);
        var second = _f.Order("o-2");
        _f.Evaluate(second, Mac(second, id, secret)).ShouldBeRefused(Rule.SessionRevoked, RefusalStatus.PermissionDenied);
    }

    [Fact]
    public void a_session_loaded_from_the_store_has_no_secret_and_must_be_granted_again()
    {
        var (id, secret) = _f.GrantSession();
        var grant = _f.Ledger.Sessions[id].Grant;
        _f.Ledger.RecordSession(grant, secret: null);
        var order = _f.Order();
        _f.Evaluate(order, Mac(order, id, secret)).ShouldBeRefused(Rule.UnknownSession, RefusalStatus.Unauthenticated);
    }

    [Fact]
    public void every_rule_has_a_status()
    {
        foreach (var rule in Rule.All)
        {
            Rule.Refuse(rule, "x").Rule.ShouldBe(rule);
        }

        Should.Throw<ArgumentException>(() => Rule.Refuse("made-up", "x"));
    }
}
