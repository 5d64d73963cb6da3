using System.Text.Json;
using Clearing.EventSourcing;
using Clearing.OrderGateway.Application;

namespace Clearing.Cli.Tests;

/// <summary>`clearing replay order-gateway` time travel over gateway-acct-3, with the gateway's own stored event records.</summary>
public sealed class ReplayOrderGatewayTests : IAsyncLifetime
{
    private const string Stream = "gateway-acct-3";
    private static readonly long T0 = ReplayModuleStore.T0.ToUnixTimeMilliseconds() * 1_000_000;

    // The gateway's serializer is internal to its host; its context uses the Web defaults, which this reproduces.
    private static readonly EventSerializer Serializer = new(
        new EventTypeMap().Register<CommandAccepted>().Register<SessionGranted>().Register<SessionRevoked>(),
        new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private readonly ReplayModuleStore _store = new("order-gateway");
    private long _granted;
    private long _firstOrder;

    public async Task InitializeAsync()
    {
        var secret = Convert.ToHexString(new byte[32]);
        _granted = await _store.AppendAsync(Stream, Serializer,
            new SessionGranted("acct-3", "s-1", secret, ["BTC-PERP"], 5m, T0 + 3_600_000_000_000, "n-1", T0 + 60_000_000_000, T0));
        _firstOrder = await _store.AppendAsync(Stream, Serializer,
            new CommandAccepted("acct-3", "BTC-PERP", "c-1", "place", "o-1", "h-1", "n-2", T0 + 60_000_000_000, T0 + 1, "{}"));
        await _store.AppendAsync(Stream, Serializer,
            new CommandAccepted("acct-3", "BTC-PERP", "c-2", "place", "o-2", "h-2", "n-3", T0 + 60_000_000_000, T0 + 2, "{}"),
            new SessionRevoked("acct-3", "s-1", "n-4", T0 + 60_000_000_000, T0 + 3));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task the_gateway_account_shows_each_accepted_order_and_the_session_revoked_only_at_the_end()
    {
        var granted = await _store.StateAsync(Stream, atVersion: _granted);
        var oneOrder = await _store.StateAsync(Stream, atVersion: _firstOrder);
        var now = await _store.StateAsync(Stream);

        granted["orders"]!.AsArray().ShouldBeEmpty();
        var session = granted["sessions"]!.AsArray().ShouldHaveSingleItem()!;
        session["sessionId"]!.GetValue<string>().ShouldBe("s-1");
        session["revoked"]!.GetValue<bool>().ShouldBeFalse();
        session.AsObject().ContainsKey("secretSha256").ShouldBeFalse();
        oneOrder["orders"]!.AsArray().Select(o => o!["orderId"]!.GetValue<string>()).ShouldBe(["o-1"]);
        oneOrder["rememberedNonces"]!.GetValue<int>().ShouldBe(2);
        now["orders"]!.AsArray().Select(o => o!["orderId"]!.GetValue<string>()).ShouldBe(["o-1", "o-2"]);
        now["sessions"]![0]!["revoked"]!.GetValue<bool>().ShouldBeTrue();
        now["streamVersion"]!.GetValue<long>().ShouldBe(3);
    }
}
