using Clearing.Contracts;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Grpc;
using Clearing.Margin.Integration;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Margin.Tests.Host;

/// <summary>
/// Liquidation's outcome through the margin host's real path: the liquidation topic's messages into the gateway (store,
/// inbox), the stored risk events through the outbox translator, and the Accounts gRPC service's answer to a withdrawal.
/// </summary>
public class LiquidationFollowUpHostTests
{
    private static LiquidationEvent PauseMessage(long sequence, bool paused) => new()
    {
        AccountId = "insurance-fund",
        Sequence = sequence,
        TimeUnixNanos = ContractText.UnixNanos(MarginHostHarness.T0.AddSeconds(sequence)),
        WithdrawalsPaused = new WithdrawalsPaused
        {
            Asset = "USDC",
            Paused = paused,
            BankruptAccounts = { paused ? ["acct-9"] : [] },
            UncoveredLoss = paused ? "1250.5" : "0",
            Reason = paused ? "acct-9 is bankrupt (equity -1250.5)" : "the loss of acct-9 is covered and no bankrupt account is left uncovered",
        },
    };

    private static Task<MoneyReply> WithdrawAsync(AccountsGrpcService accounts, string accountId, decimal amount, string reference, string asset = "USDC") =>
        accounts.Withdraw(new WithdrawRequest { AccountId = accountId, Asset = asset, Amount = amount.ToString(System.Globalization.CultureInfo.InvariantCulture), Reference = reference },
            new OperatorCallContext());

    [Fact]
    public async Task withdrawals_of_the_paused_asset_are_refused_over_grpc_naming_the_pause_until_the_fund_lifts_it()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 10_000m);
        await host.DepositAsync("alice", 1m, "BTC");
        var accounts = new AccountsGrpcService(host.Book, host.Pauses, TimeProvider.System);
        (await WithdrawAsync(accounts, "alice", 100m, "w-before")).Balance.ShouldBe("9900");

        await host.Liquidation.HandleAsync(MarginHostHarness.Message(PauseMessage(12, paused: true), "insurance-fund", 12), CancellationToken.None);
        await host.Liquidation.HandleAsync(MarginHostHarness.Message(PauseMessage(12, paused: true), "insurance-fund", 12), CancellationToken.None);

        var refused = await Should.ThrowAsync<RpcException>(() => WithdrawAsync(accounts, "alice", 100m, "w-paused"));
        refused.StatusCode.ShouldBe(StatusCode.FailedPrecondition);
        refused.Status.Detail.ShouldContain("withdrawals of USDC are paused by the insurance fund");
        refused.Status.Detail.ShouldContain("acct-9");
        refused.Status.Detail.ShouldContain("uncovered loss 1250.5 USDC");
        refused.Trailers.GetValue(AccountsGrpcService.RefusalTrailer).ShouldBe("withdrawals-paused");
        (await WithdrawAsync(accounts, "alice", 0.25m, "w-btc", "BTC")).Balance.ShouldBe("0.75"); // other collateral still leaves
        (await host.AllAsync()).Count(e => e.Type == "margin.withdrawal-pause-recorded.v1").ShouldBe(1); // the redelivery was skipped

        // A restarted margin knows the pause from its own store, not from the broker.
        var restarted = new WithdrawalPauseBook(host.Store, NullLogger<WithdrawalPauseBook>.Instance);
        await restarted.LoadAllAsync(CancellationToken.None);
        restarted.Current.Of("USDC").Paused.ShouldBeTrue();

        await host.Liquidation.HandleAsync(MarginHostHarness.Message(PauseMessage(15, paused: false), "insurance-fund", 15), CancellationToken.None);
        // An older fund event delivered late cannot pause again.
        await host.Liquidation.HandleAsync(MarginHostHarness.Message(PauseMessage(12, paused: true), "insurance-fund", 12), CancellationToken.None);

        (await WithdrawAsync(accounts, "alice", 100m, "w-after")).Balance.ShouldBe("9800");
    }

    [Fact]
    public async Task a_completed_liquidation_that_left_the_account_below_maintenance_publishes_liquidation_required_again_once()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 3_000m);
        await host.DepositAsync("bob", 100_000m);
        await host.DepositAsync("carol", 100_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);
        await host.PriceAsync(1, 98_000m, 98_000m); // crosses into liquidation: the first request
        await host.FillAsync(2, "carol", Side.Buy, "alice", 0.1m, 98_000m); // a liquidation slice, then the price keeps falling
        await host.PriceAsync(2, 97_800m, 97_800m);
        var completed = new LiquidationEvent
        {
            AccountId = "alice", LiquidationId = "alice:1", Sequence = 9, TimeUnixNanos = ContractText.UnixNanos(MarginHostHarness.T0.AddSeconds(9)),
            Completed = new LiquidationCompleted { Market = "BTC-PERP", ClosedInBook = "0.1", TakenByFund = "0", Deleveraged = "0", UncoveredLoss = "0", UncoveredSize = "0", Last = true },
        };

        await host.Liquidation.HandleAsync(MarginHostHarness.Message(completed, "liquidation-alice", 9), CancellationToken.None);
        await host.Liquidation.HandleAsync(MarginHostHarness.Message(completed, "liquidation-alice", 9), CancellationToken.None);
        await host.PriceAsync(3, 97_700m, 97_700m); // same band, case outstanding: silent

        var translator = new MarginOutboxTranslator();
        var published = (await host.AllAsync()).Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>()
            .Where(m => m.Topic == Topics.MarginRisk).Select(m => (m.Key, Event: RiskEvent.Parser.ParseFrom(m.Payload))).Where(p => p.Key == "alice").ToList();
        published.Select(p => p.Event.EventCase).ShouldBe(
            [RiskEvent.EventOneofCase.HealthChanged, RiskEvent.EventOneofCase.LiquidationRequired, RiskEvent.EventOneofCase.LiquidationRequired]);
        var again = published[^1].Event;
        again.Sequence.ShouldBe(3);
        again.Risk.Positions.Single().Size.ShouldBe("0.9");
        again.Risk.Equity.ShouldBe("820"); // 2 800 balance + 0.9 × 97 800 − 90 000 cost
        again.LiquidationRequired.Shortfall.ShouldBe("236.24"); // maintenance 1.2% of 88 020 = 1 056.24, less equity 820
    }

    private static LiquidationEvent CompletedBeforeItsLastFill() => new()
    {
        AccountId = "alice", LiquidationId = "alice:1", Sequence = 9, TimeUnixNanos = ContractText.UnixNanos(MarginHostHarness.T0.AddSeconds(9)),
        Completed = new LiquidationCompleted
        {
            Market = "BTC-PERP", ClosedInBook = "0.15", TakenByFund = "0", Deleveraged = "0", UncoveredLoss = "0", UncoveredSize = "0", Last = true,
            FillsThrough = { ["book-BTC-PERP"] = 3 },
        },
    };

    /// <summary>
    /// alice long 1 BTC-PERP at 100 000 on 3 000, a first slice of 0.1 sold at 98 000 and the mark at 97 800; then
    /// liquidation's end overtakes matching's last slice fill (book-BTC-PERP #3): margin still shows 0.9.
    /// </summary>
    private static async Task<MarginHostHarness> CaseEndingBeforeItsLastFillAsync()
    {
        var host = new MarginHostHarness();
        await host.DepositAsync("alice", 3_000m);
        await host.DepositAsync("bob", 100_000m);
        await host.DepositAsync("carol", 100_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);
        await host.PriceAsync(1, 98_000m, 98_000m);
        await host.FillAsync(2, "carol", Side.Buy, "alice", 0.1m, 98_000m);
        await host.PriceAsync(2, 97_800m, 97_800m);
        await host.Liquidation.HandleAsync(MarginHostHarness.Message(CompletedBeforeItsLastFill(), "liquidation-alice", 9), CancellationToken.None);
        return host;
    }

    private static async Task<List<RiskEvent>> PublishedRiskOfAliceAsync(MarginHostHarness host)
    {
        var translator = new MarginOutboxTranslator();
        return (await host.AllAsync()).Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>()
            .Where(m => m.Topic == Topics.MarginRisk && m.Key == "alice").Select(m => RiskEvent.Parser.ParseFrom(m.Payload)).ToList();
    }

    [Fact]
    public async Task a_case_that_ends_before_its_last_fill_is_booked_is_judged_on_the_position_after_that_fill()
    {
        await using var host = await CaseEndingBeforeItsLastFillAsync();
        (await PublishedRiskOfAliceAsync(host)).Count(e => e.EventCase == RiskEvent.EventOneofCase.LiquidationRequired).ShouldBe(1, "no request on the stale 0.9");

        await host.FillAsync(3, "carol", Side.Buy, "alice", 0.5m, 97_800m);

        // Judged on 0.4: balance 1 700 + 0.4 × 97 800 − 40 000 = 820 equity against 469.44 maintenance — no new case.
        (await PublishedRiskOfAliceAsync(host)).Count(e => e.EventCase == RiskEvent.EventOneofCase.LiquidationRequired).ShouldBe(1);
        var types = (await host.AllAsync()).Select(e => e.Type).ToList();
        types.ShouldContain("margin.liquidation-recheck-deferred.v1");
        types.ShouldContain("margin.liquidation-rechecked.v1");
    }

    [Fact]
    public async Task a_deferred_check_asks_again_with_the_fill_that_completes_the_case_when_the_account_is_still_below_maintenance()
    {
        await using var host = await CaseEndingBeforeItsLastFillAsync();

        await host.FillAsync(3, "carol", Side.Buy, "alice", 0.05m, 97_800m);
        await host.FillAsync(3, "carol", Side.Buy, "alice", 0.05m, 97_800m); // redelivered: booked and judged once

        var requests = (await PublishedRiskOfAliceAsync(host)).Where(e => e.EventCase == RiskEvent.EventOneofCase.LiquidationRequired).ToList();
        requests.Count.ShouldBe(2);
        requests[^1].Risk.Positions.Single().Size.ShouldBe("0.85");
        requests[^1].Risk.Equity.ShouldBe("820"); // 2 690 balance + 0.85 × 97 800 − 85 000 cost
        (await host.Book.LoadAsync("alice", CancellationToken.None)).Item1.PendingRecheck.ShouldBeNull();
    }

    /// <summary>An operator's call as the host's security layer leaves it: an HTTP context with no trader claim.</summary>
    private sealed class OperatorCallContext : ServerCallContext
    {
        private readonly Dictionary<object, object> _state = new() { ["__HttpContext"] = new DefaultHttpContext() };

        protected override string MethodCore => "/clearing.margin.v1.Accounts/Withdraw";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "test";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore { get; } = new(null, []);
        protected override IDictionary<object, object> UserStateCore => _state;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
            throw new NotSupportedException("no child calls in these tests");

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
