using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;

namespace Clearing.OrderGateway.Tests.Domain;

public sealed class CanonicalEncodingTests
{
    internal static GatewayCommand GoldenPlace => new()
    {
        Kind = CommandKind.Place,
        AccountId = "acct-1",
        Market = "BTC-PERP",
        Nonce = "nonce-0000000001",
        ExpiresAtUnixNanos = 1_800_000_000_000_000_000,
        OrderId = "o-1",
        Side = OrderSide.Buy,
        Type = OrderType.Limit,
        Price = 50000.5m,
        Quantity = 0.100m,
        TimeInForce = OrderTimeInForce.Gtc,
        SelfTrade = SelfTradeMode.CancelMaker,
        MarginMode = MarginMode.Cross,
    };

    // Written out by hand from the layout in CanonicalOrderEncoding's summary, not printed by the encoder: if this
    // test fails, every client SDK's signatures have stopped verifying.
    private const string GoldenPlaceHex =
        "0011" + "636c656172696e672d6f726465722d7631" +   // str "clearing-order-v1"
        "01" +                                           // kind place
        "0006" + "616363742d31" +                        // account "acct-1"
        "0010" + "6e6f6e63652d30303030303030303031" +    // nonce "nonce-0000000001"
        "18fae27693b40000" +                             // expires 1.8e18 ns
        "0008" + "4254432d50455250" +                    // market "BTC-PERP"
        "0003" + "6f2d31" +                              // order id "o-1"
        "01" + "01" +                                    // buy, limit
        "0007" + "35303030302e35" +                      // price "50000.5"
        "0003" + "302e31" +                              // quantity "0.1" (trailing zero dropped)
        "01" + "0000000000000000" +                      // GTC, no good-till
        "00" + "00" + "01" +                             // not post-only, not reduce-only, cancel-maker
        "0000" +                                         // no trigger
        "01" +                                           // cross
        "0000" + "0000";                                 // no isolated collateral, no asset

    [Fact]
    public void place_order_encodes_to_the_golden_bytes()
    {
        Convert.ToHexStringLower(CanonicalOrderEncoding.Encode(GoldenPlace)).ShouldBe(GoldenPlaceHex);
    }

    [Fact]
    public void a_market_maker_quote_appends_one_byte_so_orders_without_it_keep_their_golden_bytes()
    {
        Convert.ToHexStringLower(CanonicalOrderEncoding.Encode(GoldenPlace with { Mmp = true })).ShouldBe(GoldenPlaceHex + "01");
        CanonicalOrderEncoding.ContentHash(GoldenPlace with { Mmp = true }).ShouldNotBe(CanonicalOrderEncoding.ContentHash(GoldenPlace));
    }

    [Fact]
    public void equal_amounts_in_different_spellings_encode_alike()
    {
        var spelledLong = GoldenPlace with { Price = 50000.500m, Quantity = 0.1000000m };
        CanonicalOrderEncoding.Encode(spelledLong).ShouldBe(CanonicalOrderEncoding.Encode(GoldenPlace));
    }

    [Fact]
    public void cancel_amend_and_cancel_all_encode_only_their_own_fields()
    {
        var cancel = new GatewayCommand { Kind = CommandKind.Cancel, AccountId = "a", Market = "M", Nonce = "n", ExpiresAtUnixNanos = 1, OrderId = "o" };
        Convert.ToHexStringLower(CanonicalOrderEncoding.Encode(cancel)).ShouldBe(
            "0011636c656172696e672d6f726465722d7631" + "02" + "000161" + "00016e" + "0000000000000001" + "00014d" + "00016f");

        var amend = cancel with { Kind = CommandKind.Amend, Price = 1.50m, Quantity = 2m };
        Convert.ToHexStringLower(CanonicalOrderEncoding.Encode(amend)).ShouldEndWith("00016f" + "0003312e35" + "000132");

        var all = new GatewayCommand { Kind = CommandKind.CancelAll, AccountId = "a", Market = "M", Nonce = "n", ExpiresAtUnixNanos = 1 };
        Convert.ToHexStringLower(CanonicalOrderEncoding.Encode(all)).ShouldEndWith("0000000000000001" + "00014d");
    }

    [Fact]
    public void content_hash_ignores_the_replay_guard_but_not_the_order()
    {
        var retried = GoldenPlace with { Nonce = "another-nonce-123", ExpiresAtUnixNanos = 1 };
        CanonicalOrderEncoding.ContentHash(retried).ShouldBe(CanonicalOrderEncoding.ContentHash(GoldenPlace));
        CanonicalOrderEncoding.ContentHash(GoldenPlace with { Quantity = 0.2m }).ShouldNotBe(CanonicalOrderEncoding.ContentHash(GoldenPlace));
    }

    [Fact]
    public void session_grant_encoding_sorts_markets_so_their_order_does_not_matter()
    {
        var grant = new SessionGrant("acct-1", "session-1", new byte[32], ["ETH-PERP", "BTC-PERP"], 1m, 5);
        var reordered = grant with { Markets = ["BTC-PERP", "ETH-PERP"] };
        CanonicalSessionEncoding.EncodeGrant(grant, "nonce-0000000001", 9).ShouldBe(CanonicalSessionEncoding.EncodeGrant(reordered, "nonce-0000000001", 9));
        CanonicalSessionEncoding.EncodeGrant(grant, "nonce-0000000001", 9).ShouldNotBe(CanonicalSessionEncoding.EncodeGrant(grant with { MaxOrderQuantity = 2m }, "nonce-0000000001", 9));
    }

    // Printed by the encoder as it was before it wrote into stack memory (commit ce1d4d4): a stored content hash decides
    // whether a retry after a restart is a duplicate, and a session signature covers these bytes.
    [Fact]
    public void content_hashes_and_session_bytes_are_those_the_gateway_has_always_produced()
    {
        CanonicalOrderEncoding.ContentHash(GoldenPlace).ShouldBe("fab60cdd52a2837b8e58a34d284d535bfc3864dd16fe6f1ce606803460458191");
        var cancel = new GatewayCommand { Kind = CommandKind.Cancel, AccountId = "a", Market = "M", Nonce = "n", ExpiresAtUnixNanos = 1, OrderId = "o" };
        CanonicalOrderEncoding.ContentHash(cancel).ShouldBe("211760e2c5808dccbf988282756e4b34dd49f7b731fbf318e123dce43b09e3d0");

        var grant = new SessionGrant("acct-1", "bot-1", Enumerable.Repeat((byte)0xab, 32).ToArray(), ["ETH-PERP", "BTC-PERP"], 0.50m, 10);
        Convert.ToHexStringLower(CanonicalSessionEncoding.EncodeGrant(grant, "n-1", 9)).ShouldBe(
            "0019636c656172696e672d73657373696f6e2d6772616e742d7631" + "0006616363742d31" + "00036e2d31" + "0000000000000009" + "0005626f742d31"
            + "0020" + string.Concat(Enumerable.Repeat("ab", 32)) + "0000000000000002" + "00084254432d50455250" + "00084554482d50455250" + "0003302e35"
            + "000000000000000a");
        Convert.ToHexStringLower(CanonicalSessionEncoding.EncodeGrant(grant with { MaxOrderQuantity = null, Markets = [] }, "n-1", 9)).ShouldEndWith(
            "0000000000000000" + "0000" + "000000000000000a");
        Convert.ToHexStringLower(CanonicalSessionEncoding.EncodeRevoke("acct-1", "bot-1", "n-1", 9)).ShouldBe(
            "001a636c656172696e672d73657373696f6e2d7265766f6b652d7631" + "0006616363742d31" + "00036e2d31" + "0000000000000009" + "0005626f742d31");
    }

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 20)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void the_gates_single_encoding_gives_the_signed_bytes_and_the_content_hash_of_the_two_separate_encodings(int seed)
    {
        var random = new Random(seed);
        Span<byte> scratch = stackalloc byte[CanonicalOrderEncoding.ScratchBytes];
        for (var i = 0; i < 100; i++)
        {
            // Ids from empty to far beyond the stack scratch, some not ASCII, so the rented path and multi-byte text are covered.
            string Text() => random.Next(6) switch
            {
                0 => "",
                1 => new string('é', random.Next(1, 400)),
                2 => new string('x', random.Next(300, 2_000)),
                _ => $"id-{random.Next()}",
            };
            decimal? Amount() => random.Next(4) == 0 ? null : new decimal(random.Next(), random.Next(3) == 0 ? random.Next() : 0, 0, false, (byte)random.Next(0, 20));
            var command = new GatewayCommand
            {
                Kind = (CommandKind)random.Next(1, 5), AccountId = Text(), Market = Text(), Nonce = Text(), ExpiresAtUnixNanos = random.NextInt64(),
                OrderId = Text(), Side = (OrderSide)random.Next(0, 3), Type = (OrderType)random.Next(0, 6), Price = Amount(), Quantity = Amount() ?? 0m,
                TimeInForce = (OrderTimeInForce)random.Next(0, 5), GoodTillUnixNanos = random.NextInt64(), PostOnly = random.Next(2) == 1,
                ReduceOnly = random.Next(2) == 1, SelfTrade = (SelfTradeMode)random.Next(0, 4), TriggerPrice = Amount(),
                MarginMode = (MarginMode)random.Next(0, 3), IsolatedCollateral = Amount(), CollateralAsset = Text(), Mmp = random.Next(2) == 1,
            };

            using var signed = CanonicalOrderEncoding.EncodeSigned(command, scratch);

            signed.Bytes.ToArray().ShouldBe(CanonicalOrderEncoding.Encode(command));
            signed.ContentHash().ShouldBe(CanonicalOrderEncoding.ContentHash(command));
        }
    }
}
