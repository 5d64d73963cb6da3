using System.ComponentModel.DataAnnotations;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Domain.Rules;

namespace Clearing.OrderGateway.Tests.Domain;

/// <summary>
/// Accepted client order ids are kept for idempotent retries within a retention window, not forever: a repeat inside
/// the window is the first result (same content) or a conflict (other content), and the ledger holds only the ids
/// inside the window, also after a restart that reads a long history.
/// </summary>
public sealed class OrderIdRetentionTests
{
    private const long Retention = 600 * GateFixture.Second;

    private readonly GateFixture _f = new() { Gate = new GateParameters { RateLimitBurst = 100_000, RateLimitPerSecond = 100_000, OrderIdRetentionNanos = Retention } };

    [Fact]
    public void at_the_end_of_the_retention_a_repeat_is_still_the_first_result_and_other_content_still_a_conflict()
    {
        var first = _f.Order("o-1");
        var accept = _f.Evaluate(first).ShouldBeOfType<GateOutcome.Accept>();
        _f.Record(first, accept, 0);
        var atBound = GateFixture.Now + Retention;

        _f.Evaluate(_f.Order("o-1") with { ExpiresAtUnixNanos = atBound + 30 * GateFixture.Second }, now: atBound)
            .ShouldBeOfType<GateOutcome.Duplicate>().Original.CommandId.ShouldBe(accept.CommandId);
        _f.Evaluate(_f.Order("o-1", quantity: 0.2m) with { ExpiresAtUnixNanos = atBound + 30 * GateFixture.Second }, now: atBound)
            .ShouldBeRefused(Rule.OrderIdConflict, RefusalStatus.Aborted);
        _f.Ledger.RememberedOrders.ShouldBe(1);
    }

    [Fact]
    public void beyond_the_retention_the_id_is_forgotten_and_may_name_a_new_order()
    {
        var first = _f.Order("o-1");
        _f.Record(first, _f.Evaluate(first).ShouldBeOfType<GateOutcome.Accept>(), 0);
        var after = GateFixture.Now + Retention + 1;

        _f.Evaluate(_f.Order("o-1", quantity: 0.2m) with { ExpiresAtUnixNanos = after + 30 * GateFixture.Second }, now: after)
            .ShouldBeOfType<GateOutcome.Accept>();
        _f.Ledger.RememberedOrders.ShouldBe(0);
    }

    [Fact]
    public void the_ledger_holds_only_the_ids_accepted_inside_the_window_however_many_came_before()
    {
        for (var i = 0; i < 10_000; i++)
        {
            _f.Ledger.RecordOrder(new AcceptedOrder($"o-{i}", "BTC-PERP", "hash", $"gw:acct-1:n-{i}", GateFixture.Now + i * GateFixture.Second / 10));
        }

        // 1,000 s after the first: the ids of the last 600 s (6,000 of them, one every 0.1 s, the bound included) remain.
        var now = GateFixture.Now + 1000 * GateFixture.Second;
        _f.Ledger.PruneOrders(now, Retention);

        _f.Ledger.RememberedOrders.ShouldBe(6_000);
        _f.Ledger.Orders.ContainsKey("o-3999").ShouldBeFalse();
        _f.Ledger.Orders.ContainsKey("o-4000").ShouldBeTrue();
        _f.Ledger.Orders.ContainsKey("o-9999").ShouldBeTrue();
    }

    [Fact]
    public void an_id_accepted_again_after_it_was_forgotten_is_kept_for_its_new_acceptance()
    {
        var later = GateFixture.Now + 2 * Retention;
        _f.Ledger.RecordOrder(new AcceptedOrder("o-1", "BTC-PERP", "first", "gw:acct-1:n-1", GateFixture.Now));
        _f.Ledger.RecordOrder(new AcceptedOrder("o-1", "BTC-PERP", "second", "gw:acct-1:n-2", later));

        _f.Ledger.PruneOrders(later, Retention);

        _f.Ledger.Orders["o-1"].CommandId.ShouldBe("gw:acct-1:n-2");
    }

    [Fact]
    public void a_retention_shorter_than_the_expiry_horizon_is_refused_at_start()
    {
        var options = new OrderGatewayOptions { MaxExpiryHorizon = TimeSpan.FromMinutes(5), OrderIdRetention = TimeSpan.FromMinutes(4) };

        var problems = options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage ?? "").ToList();

        problems.ShouldHaveSingleItem().ShouldContain("OrderGateway:OrderIdRetention (00:04:00) must be at least OrderGateway:MaxExpiryHorizon (00:05:00)");
    }

    [Fact]
    public async Task after_a_restart_only_the_ids_inside_the_retention_are_loaded_from_the_store_and_still_answer_repeats()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clearing-gateway-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(directory, "events.db")));
            await using (store)
            {
                var stream = GatewayEvents.StreamFor("acct-1");
                for (var i = 0; i < 3; i++)
                {
                    // Accepted 0 s, 500 s and 1,000 s after Now; the restart happens 1,000 s after Now (window: from 400 s on).
                    var accepted = new CommandAccepted("acct-1", "BTC-PERP", $"gw:acct-1:n-{i}", "place", $"o-{i}", $"hash-{i}", $"n-{i}",
                        GateFixture.Now + i * 500 * GateFixture.Second + 30 * GateFixture.Second, GateFixture.Now + i * 500 * GateFixture.Second, "{}");
                    await store.AppendAsync(stream, ExpectedVersion.From(i - 1), [GatewayEvents.Serializer.Serialize(accepted, eventId: GatewayEvents.EventIdFor(accepted.CommandId))]);
                }

                var ledgers = new AccountLedgers(store, new FixedTime(GateFixture.Now + 1000 * GateFixture.Second), Retention);
                var ledger = (await ledgers.GetAsync("acct-1", CancellationToken.None)).Ledger;

                ledger.Orders.Keys.Order(StringComparer.Ordinal).ShouldBe(["o-1", "o-2"]);
                ledger.Orders["o-2"].CommandId.ShouldBe("gw:acct-1:n-2");
                ledger.StreamVersion.ShouldBe(2);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class FixedTime(long unixNanos) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch.AddTicks(unixNanos / 100);
    }
}
