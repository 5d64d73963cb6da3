using Clearing.Contracts;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Rules;

namespace Clearing.OrderGateway.Tests.Backpressure;

public sealed class GatewayBackpressureTests
{
    private readonly ManualTime _time = new();
    private long? _outboxLag = 0;

    [Fact]
    public void a_new_order_is_refused_as_resource_exhausted_when_the_outbox_lag_exceeds_its_bound()
    {
        var backpressure = Backpressure(new GatewayBackpressureOptions { MaxOutboxLag = 100 });
        _outboxLag = 101;

        var refusal = backpressure.Check(Command(CommandKind.Place)).ShouldNotBeNull();

        refusal.Rule.ShouldBe(Rule.Backpressure);
        refusal.Status.ShouldBe(RefusalStatus.ResourceExhausted);
        refusal.Detail.ShouldBe($"the gateway has 101 accepted command(s) not yet published to {Topics.OrderCommands} (bound 100); retry shortly");
        backpressure.RefusedCount.ShouldBe(1);
    }

    [Fact]
    public void an_outbox_lag_at_the_bound_is_still_admitted()
    {
        var backpressure = Backpressure(new GatewayBackpressureOptions { MaxOutboxLag = 100 });
        _outboxLag = 100;

        backpressure.Check(Command(CommandKind.Place)).ShouldBeNull();
        backpressure.RefusedCount.ShouldBe(0);
    }

    [Theory]
    [InlineData(CommandKind.Cancel)]
    [InlineData(CommandKind.Amend)]
    [InlineData(CommandKind.CancelAll)]
    public void commands_that_are_not_new_orders_pass_an_overloaded_gateway(CommandKind kind)
    {
        var backpressure = Backpressure(new GatewayBackpressureOptions { MaxOutboxLag = 1 });
        _outboxLag = 1_000_000;

        backpressure.Check(Command(kind)).ShouldBeNull();
    }

    [Fact]
    public void a_watched_consumer_group_behind_its_bound_refuses_new_orders_naming_the_worst_group_and_its_lag()
    {
        var backpressure = Backpressure(new GatewayBackpressureOptions { MaxConsumerLag = 5_000 });
        backpressure.Update([
            new ConsumerLagReading("matching", Topics.OrderCommands, 7_000),
            new ConsumerLagReading("margin-fills", Topics.MatchingEvents, 9_500),
            new ConsumerLagReading("liquidation-fills", Topics.MatchingEvents, 10),
        ]);

        var refusal = backpressure.Check(Command(CommandKind.Place)).ShouldNotBeNull();

        refusal.Status.ShouldBe(RefusalStatus.ResourceExhausted);
        refusal.ToString().ShouldBe($"backpressure: consumer group 'margin-fills' is 9500 message(s) behind on {Topics.MatchingEvents} (bound 5000); retry shortly");
    }

    [Fact]
    public void of_two_groups_equally_far_behind_the_first_read_is_named_and_a_newer_reading_within_bound_admits_again()
    {
        var backpressure = Backpressure(new GatewayBackpressureOptions { MaxConsumerLag = 5_000 });
        backpressure.Update([
            new ConsumerLagReading("vault-matching", Topics.MatchingEvents, 6_000),
            new ConsumerLagReading("margin-fills", Topics.MatchingEvents, 6_000),
        ]);

        backpressure.Check(Command(CommandKind.Place)).ShouldNotBeNull().Detail.ShouldStartWith("consumer group 'vault-matching' is 6000");
        backpressure.Check(Command(CommandKind.Place)).ShouldNotBeNull().Detail.ShouldStartWith("consumer group 'vault-matching' is 6000");
        backpressure.RefusedCount.ShouldBe(2);

        backpressure.Update([new ConsumerLagReading("vault-matching", Topics.MatchingEvents, 5_000)]);
        backpressure.Check(Command(CommandKind.Place)).ShouldBeNull();
        backpressure.FreshReadings().ShouldNotBeNull().Single().Lag.ShouldBe(5_000);
    }

    [Fact]
    public void a_stale_lag_reading_is_not_acted_on()
    {
        var options = new GatewayBackpressureOptions { MaxConsumerLag = 10, MaxReadingAge = TimeSpan.FromSeconds(5) };
        var backpressure = Backpressure(options);
        backpressure.Update([new ConsumerLagReading("matching", Topics.OrderCommands, 1_000)]);
        backpressure.Check(Command(CommandKind.Place)).ShouldNotBeNull();

        _time.Advance(TimeSpan.FromSeconds(6));

        backpressure.Check(Command(CommandKind.Place)).ShouldBeNull("a probe that stopped reading must not lock traders out");
        backpressure.FreshReadings().ShouldBeNull();
    }

    [Fact]
    public void a_zero_bound_turns_its_check_off()
    {
        var backpressure = Backpressure(new GatewayBackpressureOptions { MaxOutboxLag = 0, MaxConsumerLag = 0 });
        _outboxLag = long.MaxValue;
        backpressure.Update([new ConsumerLagReading("matching", Topics.OrderCommands, long.MaxValue)]);

        backpressure.Check(Command(CommandKind.Place)).ShouldBeNull();
    }

    [Fact]
    public void no_relay_yet_means_no_outbox_bound()
    {
        var backpressure = Backpressure(new GatewayBackpressureOptions { MaxOutboxLag = 1 });
        _outboxLag = null;

        backpressure.Check(Command(CommandKind.Place)).ShouldBeNull();
    }

    [Fact]
    public void a_watched_group_without_a_topic_is_a_configuration_problem_naming_the_key()
    {
        var options = new OrderGatewayOptions();
        options.Backpressure.WatchedGroups["matching"] = " ";

        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        problems.ShouldContain(p => p!.StartsWith("OrderGateway:Backpressure:WatchedGroups needs a group name and a topic", StringComparison.Ordinal));
    }

    [Fact]
    public void a_negative_bound_is_a_configuration_problem()
    {
        var options = new OrderGatewayOptions { Backpressure = { MaxOutboxLag = -1 } };

        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        problems.ShouldContain("OrderGateway:Backpressure: MaxOutboxLag must not be negative");
    }

    private GatewayBackpressure Backpressure(GatewayBackpressureOptions options) => new(options, () => _outboxLag, _time);

    private static GatewayCommand Command(CommandKind kind) => new()
    {
        Kind = kind,
        AccountId = "acct-1",
        Market = "BTC-PERP",
        Nonce = "n-1",
        ExpiresAtUnixNanos = 1,
        OrderId = kind == CommandKind.CancelAll ? "" : "o-1",
        Price = 50_000m,
        Quantity = 0.1m,
    };

    /// <summary>A clock the test moves by hand: the reading age is measured on it.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
