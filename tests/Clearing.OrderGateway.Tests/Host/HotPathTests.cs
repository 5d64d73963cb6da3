using System.Text;
using System.Text.Json;
using Clearing.Contracts.ReadModels;
using Clearing.Dapr.State;
using Clearing.EventSourcing;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Integration;
using Google.Protobuf;
using Microsoft.Data.Sqlite;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>
/// The shortcuts on the gateway's per-order path must answer exactly what the long way answers: the handoff of public
/// command bytes to the outbox relay, and the risk reader that keeps its statement prepared.
/// </summary>
public sealed class HotPathTests
{
    private static readonly GatewayCommand Place = new()
    {
        Kind = CommandKind.Place, AccountId = "acct-1", Market = "BTC-PERP", Nonce = "nonce-0000000001", ExpiresAtUnixNanos = 1,
        OrderId = "o-1", Side = OrderSide.Sell, Type = OrderType.StopLimit, Price = 49_000.50m, Quantity = 1.000m,
        TriggerPrice = 49_500m, TimeInForce = OrderTimeInForce.Gtt, GoodTillUnixNanos = 99, PostOnly = true,
        SelfTrade = SelfTradeMode.CancelBoth, MarginMode = MarginMode.Isolated, IsolatedCollateral = 6_000m, CollateralAsset = "USDC", Mmp = true,
    };

    public static TheoryData<string> Kinds => ["place", "cancel", "amend", "cancel-all"];

    private static GatewayCommand CommandOf(string kind) => kind switch
    {
        "place" => Place,
        "cancel" => new GatewayCommand { Kind = CommandKind.Cancel, AccountId = "acct-1", Market = "ETH-PERP", Nonce = "nonce-0000000002", ExpiresAtUnixNanos = 1, OrderId = "o-1" },
        "amend" => new GatewayCommand { Kind = CommandKind.Amend, AccountId = "acct-1", Market = "BTC-PERP", Nonce = "nonce-0000000003", ExpiresAtUnixNanos = 1, OrderId = "o-1", Price = 48_000m, Quantity = 0.5m },
        _ => new GatewayCommand { Kind = CommandKind.CancelAll, AccountId = "acct-1", Market = "BTC-PERP", Nonce = "nonce-0000000004", ExpiresAtUnixNanos = 1 },
    };

    /// <summary>What admission stores for a command and what it offers to the relay with it.</summary>
    private static (EventData Stored, byte[] Payload) Accept(GatewayCommand command, long now = 1_700_000_000_000_000_000)
    {
        var commandId = $"gw:{command.AccountId}:{command.Nonce}";
        var proto = OrderCommandMapping.ToProto(command, commandId, now);
        var accepted = new CommandAccepted(command.AccountId, command.Market, commandId, OrderCommandMapping.KindName(command.Kind), command.OrderId,
            "hash", command.Nonce, command.ExpiresAtUnixNanos, now, OrderCommandMapping.ToJson(proto));
        return (GatewayEvents.Serializer.Serialize(accepted, eventId: GatewayEvents.EventIdFor(commandId)), proto.ToByteArray());
    }

    private static RecordedEvent Recorded(EventData data, long version = 0) =>
        new("gateway-acct-1", version, version + 1, data.EventId, data.Type, data.SchemaVersion, data.Data, data.Metadata,
            DateTimeOffset.UnixEpoch, null, null, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void a_handed_over_command_is_published_exactly_as_its_stored_json_would_publish_it(string kind)
    {
        var (stored, payload) = Accept(CommandOf(kind));
        var handoff = new AcceptedCommandHandoff();
        handoff.Offer(stored, CommandOf(kind).Market, payload).ShouldBeTrue();

        var fast = new GatewayOutboxTranslator(handoff).Translate(Recorded(stored)).ShouldNotBeNull();
        var slow = new GatewayOutboxTranslator().Translate(Recorded(stored)).ShouldNotBeNull();

        handoff.Count.ShouldBe(0);
        fast.Payload.ShouldBe(slow.Payload);
        fast.Key.ShouldBe(slow.Key);
        fast.Topic.ShouldBe(slow.Topic);
        fast.Type.ShouldBe(slow.Type);
        fast.SourceStream.ShouldBe(slow.SourceStream);
        fast.SourceSequence.ShouldBe(slow.SourceSequence);
    }

    [Fact]
    public void a_stored_event_that_is_not_the_one_offered_is_published_from_what_the_store_holds()
    {
        // Same event id (same account and nonce), different content: e.g. an append that timed out and was retried
        // with another order under the same nonce, where the store kept the first.
        var (offered, offeredPayload) = Accept(Place with { Price = 40_000m });
        var (stored, storedPayload) = Accept(Place);
        stored.EventId.ShouldBe(offered.EventId);
        var handoff = new AcceptedCommandHandoff();
        handoff.Offer(offered, "WRONG-KEY", offeredPayload);

        var message = new GatewayOutboxTranslator(handoff).Translate(Recorded(stored)).ShouldNotBeNull();

        message.Payload.ShouldBe(storedPayload);
        message.Key.ShouldBe("BTC-PERP");
        Clearing.Contracts.Orders.V1.OrderCommand.Parser.ParseFrom(message.Payload).Place.Price.ShouldBe("49000.5");
        handoff.Count.ShouldBe(0);
    }

    [Fact]
    public void an_offer_serves_one_translation_and_a_republish_reads_the_store()
    {
        var (stored, payload) = Accept(Place);
        var handoff = new AcceptedCommandHandoff();
        handoff.Offer(stored, "BTC-PERP", payload);

        handoff.TryTake(Recorded(stored), out var key, out var taken).ShouldBeTrue();
        key.ShouldBe("BTC-PERP");
        taken.ShouldBe(payload);
        handoff.TryTake(Recorded(stored), out _, out _).ShouldBeFalse();
        new GatewayOutboxTranslator(handoff).Translate(Recorded(stored)).ShouldNotBeNull().Payload.ShouldBe(payload);
    }

    [Fact]
    public void a_withdrawn_offer_is_not_used_and_a_full_handoff_keeps_nothing_more()
    {
        var (first, firstPayload) = Accept(Place);
        var (second, secondPayload) = Accept(Place with { Nonce = "nonce-0000000009" });
        var handoff = new AcceptedCommandHandoff(capacity: 1);

        handoff.Offer(first, "BTC-PERP", firstPayload).ShouldBeTrue();
        handoff.Offer(second, "BTC-PERP", secondPayload).ShouldBeFalse();
        handoff.TryTake(Recorded(second), out _, out _).ShouldBeFalse();

        handoff.Withdraw(first.EventId);
        handoff.Count.ShouldBe(0);
        handoff.TryTake(Recorded(first), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void a_repeated_offer_for_one_event_counts_once_and_a_take_frees_its_room()
    {
        var (first, firstPayload) = Accept(Place);
        var (second, secondPayload) = Accept(Place with { Nonce = "nonce-0000000009" });
        var handoff = new AcceptedCommandHandoff(capacity: 1);

        handoff.Offer(first, "BTC-PERP", firstPayload).ShouldBeTrue();
        handoff.Offer(first, "ETH-PERP", firstPayload).ShouldBeFalse();
        handoff.Count.ShouldBe(1);
        handoff.TryTake(Recorded(first), out var market, out _).ShouldBeTrue();
        market.ShouldBe("BTC-PERP");
        handoff.Count.ShouldBe(0);

        handoff.Offer(second, "BTC-PERP", secondPayload).ShouldBeTrue();
        handoff.Count.ShouldBe(1);
    }

    [Fact]
    public void a_repeated_offer_below_capacity_replaces_the_entry_and_counts_once()
    {
        var (first, payload) = Accept(Place);
        var handoff = new AcceptedCommandHandoff(capacity: 4);

        handoff.Offer(first, "BTC-PERP", payload).ShouldBeTrue();
        handoff.Offer(first, "ETH-PERP", payload).ShouldBeTrue();

        handoff.Count.ShouldBe(1);
        handoff.TryTake(Recorded(first), out var market, out _).ShouldBeTrue();
        market.ShouldBe("ETH-PERP");
        handoff.Count.ShouldBe(0);
        handoff.TryTake(Recorded(first), out _, out _).ShouldBeFalse();
    }

    [Fact]
    public async Task concurrent_offers_takes_and_withdrawals_leave_the_count_equal_to_the_entries_kept()
    {
        var handoff = new AcceptedCommandHandoff(capacity: 100_000);
        var events = Enumerable.Range(0, 4_000).Select(i => Accept(Place with { Nonce = $"nonce-{i:D10}" })).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = worker; i < events.Length; i += 4)
            {
                handoff.Offer(events[i].Stored, "BTC-PERP", events[i].Payload).ShouldBeTrue();
                handoff.Offer(events[i].Stored, "BTC-PERP", events[i].Payload).ShouldBeTrue();
                if (i % 3 == 0)
                {
                    handoff.TryTake(Recorded(events[i].Stored), out _, out _).ShouldBeTrue();
                }
                else if (i % 3 == 1)
                {
                    handoff.Withdraw(events[i].Stored.EventId);
                }
            }
        })));

        var kept = events.Count(e => handoff.TryTake(Recorded(e.Stored), out _, out _));
        kept.ShouldBe(events.Length / 3);
        handoff.Count.ShouldBe(0);
    }

    // Printed by the previous implementation (commit ce1d4d4): a stored event's id is what makes a retried append a no-op.
    [Theory]
    [InlineData("gw:acct-1:nonce-0000000001", "74e25308-0612-8fa4-b7cc-0a13a727dadc")]
    [InlineData("session-granted:acct-1:n-1", "66b379a7-c437-8d92-90f6-5d4e303c2cb8")]
    [InlineData("", "e3b0c442-98fc-8c14-9afb-f4c8996fb924")]
    public void event_ids_are_those_the_gateway_has_always_derived(string name, string expected)
    {
        GatewayEvents.EventIdFor(name).ShouldBe(Guid.Parse(expected));
    }

    [Fact]
    public void a_name_longer_than_the_stack_buffer_gets_the_id_the_gateway_has_always_derived()
    {
        GatewayEvents.EventIdFor(new string('é', 300)).ShouldBe(Guid.Parse("7250b666-10f8-87db-96f5-e5426d2143bc"));
    }

    [Fact]
    public void session_events_stay_private_whatever_was_offered()
    {
        var granted = GatewayEvents.Serializer.Serialize(new SessionGranted("acct-1", "s-1", "00", [], null, 1, "n", 1, 1), eventId: Guid.NewGuid());
        var handoff = new AcceptedCommandHandoff();
        handoff.Offer(granted, "BTC-PERP", [1, 2, 3]);

        new GatewayOutboxTranslator(handoff).Translate(Recorded(granted)).ShouldBeNull();
    }

    [Fact]
    public async Task a_kept_risk_reader_sees_every_view_margin_commits_after_its_first_read()
    {
        await WithRiskFileAsync(async path =>
        {
            using var reader = new SqliteAccountRiskReader(path);
            using var margin = new SqliteStateStore(AccountRiskView.StateStoreName, path);
            await SaveAsync(margin, "acct-1", 100m, size: 1m);
            (await reader.ReadAsync("acct-1", CancellationToken.None)).ShouldNotBeNull().AvailableMargin.ShouldBe(100m);

            // The statement stays prepared on its connection; each execution must still read margin's latest commit.
            for (var i = 1; i <= 5; i++)
            {
                await SaveAsync(margin, "acct-1", 100m - i, size: i);
                var view = (await reader.ReadAsync("acct-1", CancellationToken.None)).ShouldNotBeNull();
                view.AvailableMargin.ShouldBe(100m - i);
                view.Positions.Single().Size.ShouldBe(i);
            }

            (await reader.ReadAsync("acct-2", CancellationToken.None)).ShouldBeNull();
            await SaveAsync(margin, "acct-2", 7m, size: -2m);
            (await reader.ReadAsync("acct-2", CancellationToken.None)).ShouldNotBeNull().AvailableMargin.ShouldBe(7m);
        });
    }

    [Fact]
    public async Task concurrent_risk_reads_each_get_their_own_accounts_view()
    {
        await WithRiskFileAsync(async path =>
        {
            using var reader = new SqliteAccountRiskReader(path);
            using var margin = new SqliteStateStore(AccountRiskView.StateStoreName, path);
            for (var a = 0; a < 20; a++)
            {
                await SaveAsync(margin, $"acct-{a}", a, size: a);
            }

            var reads = Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
            {
                var account = i % 20;
                var view = await reader.ReadAsync($"acct-{account}", CancellationToken.None);
                return (account, view);
            }));
            foreach (var (account, view) in await Task.WhenAll(reads))
            {
                view.ShouldNotBeNull().AccountId.ShouldBe($"acct-{account}");
                view.AvailableMargin.ShouldBe(account);
            }
        });
    }

    [Fact]
    public async Task a_risk_file_without_its_table_yet_reads_as_no_view_until_margin_creates_it()
    {
        await WithRiskFileAsync(async path =>
        {
            using (var empty = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
            {
                empty.Open();
                using var command = empty.CreateCommand();
                command.CommandText = "PRAGMA user_version = 1";
                command.ExecuteNonQuery();
            }

            using var reader = new SqliteAccountRiskReader(path);
            (await reader.ReadAsync("acct-1", CancellationToken.None)).ShouldBeNull();

            using var margin = new SqliteStateStore(AccountRiskView.StateStoreName, path);
            await SaveAsync(margin, "acct-1", 5m, size: 1m);
            (await reader.ReadAsync("acct-1", CancellationToken.None)).ShouldNotBeNull().AvailableMargin.ShouldBe(5m);
        });
    }

    public static TheoryData<string> RiskViewsAsWritten()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var data = new TheoryData<string>
        {
            JsonSerializer.Serialize(new AccountRiskView { AccountId = "acct-1" }, web),
            JsonSerializer.Serialize(new AccountRiskView
            {
                AccountId = "acct-2", Version = 41, AsOf = DateTimeOffset.UnixEpoch, Equity = 12_345.678m, AvailableMargin = -17.25m, Health = 1.05m, Band = "warning",
                Liquidating = true,
                Positions =
                [
                    new PositionView("BTC-PERP", 0.5m, 100_000m, 100_100m, 50m, false, 0m, 5_000m, 2_500m),
                    new PositionView("ETH-PERP", -3.000m, 3_000m, 2_990m, 30m, true, 900m, 900m, 450m),
                    new PositionView("BTC-PERP", -0.125m, 99_000m, 100_100m, -137.5m, true, 1_000m, 1_250m, 625m),
                ],
                Greeks = [new GreeksView("BTC", DateTimeOffset.UnixEpoch.AddDays(30), 0.5, 0.01, 12.5, -3.25), new GreeksView("ETH", null, 1, 0, 0, 0)],
            }, web),
            JsonSerializer.Serialize(new AccountRiskView { AccountId = "acct-3", AvailableMargin = 79_228_162_514_264.337593543950335m, Positions = [] }, web),
        };
        // What the web defaults also read: other name casing, numbers as strings, unknown and repeated properties.
        data.Add("""{"AccountId":"acct-4","AVAILABLEMARGIN":"250.5","Liquidating":false,"Positions":[{"Market":"BTC-PERP","Size":"1.5","extra":{"a":[1,2]}}],"future":null}""");
        data.Add("""{"accountId":null,"availableMargin":1,"availableMargin":2,"positions":[{"market":"A","size":1}],"positions":[{"market":"B","size":2e0}]}""");
        // Names compared in place (plain ASCII, any case, near misses) and by the text path (escaped, non-ASCII).
        data.Add("""{"accountid":"a","availablemargin":3,"availableMargins":4,"availableMargi":5,"positionS":[{"MARKET":"C","sIZE":2,"sizes":9}]}""");
        data.Add("""{"accountId":"a","avail\u0061bleMargin":6,"\u0070ositions":[{"m\u0061rket":"D","size":1}],"availableMargın":7,"\u212Aey":1}""");
        data.Add("""{"accountId":"a","availableMargin":8,"positions":[{"market":"E","ſize":5,"size":1}],"Ωmega":{"size":3}}""");
        return data;
    }

    [Theory]
    [MemberData(nameof(RiskViewsAsWritten))]
    public void the_margin_slice_read_from_the_json_equals_the_deserialized_views(string json)
    {
        var expected = AccountRiskViews.ToSnapshot(JsonSerializer.Deserialize<AccountRiskView>(json, AccountRiskViews.Json)).ShouldNotBeNull();

        var parsed = AccountRiskViews.ParseSnapshot(Encoding.UTF8.GetBytes(json));

        parsed.AvailableMargin.ShouldBe(expected.AvailableMargin);
        parsed.Liquidating.ShouldBe(expected.Liquidating);
        parsed.PositionSizes.OrderBy(p => p.Key, StringComparer.Ordinal).ShouldBe(expected.PositionSizes.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""{"availableMargin":1}""")]
    [InlineData("""{"accountId":"a","availableMargin":null}""")]
    [InlineData("""{"accountId":"a","liquidating":"yes"}""")]
    [InlineData("""{"accountId":"a","positions":[{"size":1}]}""")]
    [InlineData("""[]""")]
    [InlineData("""{"accountId":"a"} {}""")]
    public void a_view_the_serializer_refuses_is_refused(string json)
    {
        Should.Throw<Exception>(() => AccountRiskViews.ToSnapshot(JsonSerializer.Deserialize<AccountRiskView>(json, AccountRiskViews.Json)));
        Should.Throw<JsonException>(() => AccountRiskViews.ParseSnapshot(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public async Task the_risk_reader_reads_the_margin_slice_of_the_stored_view()
    {
        await WithRiskFileAsync(async path =>
        {
            using var reader = new SqliteAccountRiskReader(path);
            (await reader.ReadMarginAsync("acct-1", CancellationToken.None)).ShouldBeNull();
            using var margin = new SqliteStateStore(AccountRiskView.StateStoreName, path);
            await SaveAsync(margin, "acct-1", 42.5m, size: -0.75m);

            var snapshot = (await reader.ReadMarginAsync("acct-1", CancellationToken.None)).ShouldNotBeNull();
            snapshot.AvailableMargin.ShouldBe(42.5m);
            snapshot.PositionIn("BTC-PERP").ShouldBe(-0.75m);
            (await reader.ReadMarginAsync("acct-2", CancellationToken.None)).ShouldBeNull();
        });
    }

    private static Task SaveAsync(SqliteStateStore margin, string account, decimal available, decimal size)
    {
        var view = new AccountRiskView
        {
            AccountId = account, AvailableMargin = available, Positions = [new PositionView("BTC-PERP", size, 50000m, 50000m, 0m, false, 0m, 0m, 0m)],
        };
        return margin.SaveAsync(AccountRiskView.KeyFor(account), Encoding.UTF8.GetBytes(JsonSerializer.Serialize(view, new JsonSerializerOptions(JsonSerializerDefaults.Web))),
            WriteCondition.Unconditional).AsTask();
    }

    /// <summary>Runs <paramref name="test"/> against the path of margin's risk file in a fresh data directory, removed afterwards.</summary>
    private static async Task WithRiskFileAsync(Func<string, Task> test)
    {
        var directory = GatewayHost.NewDataDirectory();
        Directory.CreateDirectory(directory);
        try
        {
            await test(SqliteStateStore.PathFor(directory, AccountRiskView.StateStoreName));
        }
        finally
        {
            GatewayHost.DeleteDirectory(directory);
        }
    }
}
