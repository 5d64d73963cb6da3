using System.Text;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Domain.Publishers;
using Clearing.OracleIngest.Domain.Reports;

namespace Clearing.OracleIngest.Tests;

public sealed class ReportVerificationTests
{
    private static readonly long Now = OracleWorld.T0;

    [Fact]
    public void canonical_price_report_bytes_are_the_documented_text()
    {
        var report = new PriceReport("pub-1", "BTC", "64250.5", "12.25", 1_800_000_000_123_456_789, 42, []);

        var bytes = ReportSigning.CanonicalBytes(report);

        Encoding.UTF8.GetString(bytes).ShouldBe("clearing.oracle.price-report.v1\npub-1\nBTC\n64250.5\n12.25\n1800000000123456789\n42");
    }

    [Fact]
    public void golden_signature_of_a_fixed_key_never_changes()
    {
        // Ed25519 is deterministic: a publisher in any language signing these bytes with this seed gets this signature.
        var report = ReportSigning.Sign(new PriceReport("pub-1", "BTC", "64250.5", "12.25", 1_800_000_000_123_456_789, 42, []), OracleWorld.KeyOf("pub-1"));

        Convert.ToBase64String(report.Signature).ShouldBe(GoldenSignature);
        ReportSigning.Verify(report, OracleWorld.KeyOf("pub-1").PublicKey).ShouldBeTrue();
    }

    [Fact]
    public void canonical_vol_report_bytes_are_the_documented_text()
    {
        var report = new VolReport("pub-2", "BTC", 1_806_000_000_000_000_000, "101000", [new VolPoint("90000", "0.62"), new VolPoint("110000", "0.55")], 1_800_000_000_000_000_000, 7, []);

        ReportSigning.CanonicalText(report).ShouldBe(
            "clearing.oracle.vol-report.v1\npub-2\nBTC\n1806000000000000000\n101000\n1800000000000000000\n7\n90000:0.62\n110000:0.55");
    }

    [Fact]
    public void signed_report_from_a_registered_publisher_is_accepted_with_its_evidence()
    {
        var world = new OracleWorld();
        var report = world.Signed("pub-1", "64250.5", Now);

        var events = world.Receive(report, Now + Nanos.PerMillisecond);

        var accepted = events[0].ShouldBeOfType<ReportAccepted>();
        accepted.Price.ShouldBe(64250.5m);
        accepted.Signature.ShouldBe(Convert.ToBase64String(report.Signature));
        accepted.ReceivedAtUnixNanos.ShouldBe(Now + Nanos.PerMillisecond);
    }

    [Fact]
    public void replayed_sequence_is_refused_and_recorded_with_its_reason()
    {
        var world = new OracleWorld();
        var report = world.Signed("pub-1", "64250.5", Now);
        world.Receive(report, Now);

        var refusal = world.Receive(report, Now + 1).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>();

        refusal.Reason.ShouldBe("sequence-not-increasing");
        refusal.Detail.ShouldContain("replayed or out of order");
        refusal.Signature.ShouldBe(Convert.ToBase64String(report.Signature));
    }

    [Fact]
    public void out_of_order_sequence_is_refused()
    {
        var world = new OracleWorld();
        world.Receive(world.Signed("pub-1", "64250.5", Now, sequence: 10), Now);

        var refusal = world.Receive(world.Signed("pub-1", "64251", Now + 1, sequence: 9), Now + 2).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>();

        refusal.Reason.ShouldBe("sequence-not-increasing");
        refusal.Sequence.ShouldBe(9);
    }

    [Fact]
    public void future_dated_report_is_refused_beyond_the_skew_allowance_only()
    {
        var world = new OracleWorld();
        var withinSkew = world.Receive(world.Signed("pub-1", "64250", Now + Nanos.PerSecond), Now);
        var future = world.Receive(world.Signed("pub-1", "64250", Now + 3 * Nanos.PerSecond), Now);

        withinSkew[0].ShouldBeOfType<ReportAccepted>();
        var refusal = future.ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>();
        refusal.Reason.ShouldBe("future-dated");
        refusal.Detail.ShouldBe("publish time is 3000 ms ahead of the receiving clock; the allowance is 2000 ms");
    }

    [Fact]
    public void report_older_than_the_staleness_limit_is_refused()
    {
        var world = new OracleWorld();

        var refusal = world.Receive(world.Signed("pub-1", "64250", Now - 11 * Nanos.PerSecond), Now).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>();

        refusal.Reason.ShouldBe("stale");
    }

    [Fact]
    public void bad_signature_is_refused()
    {
        var world = new OracleWorld();
        var signed = world.Signed("pub-1", "64250", Now);
        var tampered = signed with { Price = "32125" };
        var signedByAnother = ReportSigning.Sign(signed with { Signature = [] }, OracleWorld.KeyOf("pub-2"));

        var refusals = world.Receive(tampered, Now).Concat(world.Receive(signedByAnother, Now)).Cast<ReportRefused>().ToList();

        refusals.Select(r => r.Reason).ShouldBe(["bad-signature", "bad-signature"]);
        refusals[0].Price.ShouldBe("32125");
        refusals[0].Detail.ShouldBe("signature does not verify against publisher 'pub-1''s registered key");
        world.State.Publishers.ShouldBeEmpty();
    }

    [Fact]
    public void unknown_publisher_is_refused()
    {
        var world = new OracleWorld();
        var stranger = ReportSigning.Sign(new PriceReport("mallory", "BTC", "1", "0", Now, 1, []), OracleWorld.KeyOf("mallory"));

        var refusal = world.Receive(stranger, Now).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>();

        refusal.Reason.ShouldBe("unknown-publisher");
        refusal.Detail.ShouldBe("publisher 'mallory' is not registered");
    }

    [Fact]
    public void feed_publisher_cannot_push_over_the_stream_and_a_signing_publisher_cannot_come_through_an_adapter()
    {
        var world = new OracleWorld(extra: [new Publisher("feed-x", null, new HashSet<string>())]);
        var feed = new PriceReport("feed-x", "BTC", "64250", "1", Now, 1, []);

        world.Receive(feed, Now, ReportOrigin.PublisherStream).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>().Reason.ShouldBe("unknown-publisher");
        world.Receive(world.Signed("pub-1", "64250", Now), Now, ReportOrigin.FeedAdapter).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>().Reason.ShouldBe("bad-signature");
        world.Receive(feed, Now, ReportOrigin.FeedAdapter)[0].ShouldBeOfType<ReportAccepted>().Origin.ShouldBe("feed-adapter");
    }

    [Fact]
    public void publisher_registered_for_other_assets_is_refused()
    {
        var world = new OracleWorld(extra: [new Publisher("eth-only", OracleWorld.KeyOf("eth-only").PublicKey, new HashSet<string> { "ETH" })]);

        var refusal = world.Receive(world.Signed("eth-only", "64250", Now), Now).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>();

        refusal.Reason.ShouldBe("publisher-not-for-asset");
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("1e5")]
    [InlineData("0")]
    [InlineData("64 250")]
    [InlineData("64250.")]
    [InlineData("1\n2")]
    public void malformed_price_is_refused_naming_the_field(string price)
    {
        var world = new OracleWorld();

        var refusal = world.Receive(world.Signed("pub-1", price, Now), Now).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>();

        refusal.Reason.ShouldBe("malformed");
        refusal.Detail.ShouldStartWith("price '");
        refusal.Price.ShouldBe(price);
    }

    [Fact]
    public void confidence_wider_than_two_percent_of_the_price_is_refused()
    {
        var world = new OracleWorld();

        var refusal = world.Receive(world.Signed("pub-1", "100", Now, confidence: "2.5"), Now).ShouldHaveSingleItem().ShouldBeOfType<ReportRefused>();

        refusal.Reason.ShouldBe("confidence-too-wide");
    }

    [Fact]
    public void refused_report_does_not_advance_the_publishers_sequence()
    {
        var world = new OracleWorld();
        world.Receive(world.Signed("pub-1", "64250", Now, sequence: 5) with { Price = "1" }, Now);

        world.Receive(world.Signed("pub-1", "64250", Now, sequence: 5), Now)[0].ShouldBeOfType<ReportAccepted>();
    }

    // Cross-checked with Python: Ed25519PrivateKey.from_private_bytes(sha256(b"pub-1")).sign(canonical bytes).
    private const string GoldenSignature = "G1a2KEo0G3FFH8RyPQMcgSYboySkx1G3cQULCWyBKjqJEoP/FbO7w7VIivzq7WAR6O4Vvro5Ycm7GvpbNT4tBQ==";
}
