using System.Text;
using System.Text.Json;
using Clearing.Contracts.Matching;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Integration;
using Clearing.Messaging.Kafka;

namespace Clearing.Margin.Tests.Host;

/// <summary>
/// After a run of fills the book takes each owner's state from what the repository wrote instead of reading the
/// stream's tail again: the in-memory copy (what price ticks revalue, what the risk view is built from) must be exactly
/// what a fresh process loads from the store. And the fill consumer's type filter hands over fills only.
/// </summary>
public sealed class WrittenStateTests
{
    private static readonly string[] Owners = ["alice", "bob", "carol", "mm"];

    [Fact]
    public async Task after_runs_of_fills_every_owner_in_memory_equals_a_fresh_load_from_the_store()
    {
        await using var host = await FundedAsync();
        await host.Fills.HandleAsync(Fills(1, 30), CancellationToken.None);
        await host.Fills.HandleAsync(Fills(20, 60), CancellationToken.None);
        await host.FillAsync(61, "alice", Side.Buy, "bob", 0.2m, 100_500m, takerFee: 1m, makerFee: 0.5m);
        await host.PriceAsync(1, 99_000m, 99_000m);
        await host.Fills.HandleAsync(Fills(62, 80), CancellationToken.None);

        var fresh = host.NewBook();
        foreach (var owner in Owners)
        {
            var (memory, memoryVersion) = (await host.Book.InMemoryAsync(owner, CancellationToken.None)).ShouldNotBeNull();
            var (stored, storedVersion) = await fresh.LoadAsync(owner, CancellationToken.None);

            memoryVersion.ShouldBe(storedVersion, owner);
            Json(memory).ShouldBe(Json(stored), owner);
            (await host.Views.ReadAsync(owner, CancellationToken.None)).ShouldNotBeNull().Version.ShouldBe(storedVersion, $"{owner}'s risk view is of the written version");
        }

        await fresh.LoadAllAsync(CancellationToken.None);
        foreach (var market in new[] { "BTC-PERP", "ETH-PERP" })
        {
            (await host.Book.HoldersOfAsync(market, CancellationToken.None)).ShouldBe(await fresh.HoldersOfAsync(market, CancellationToken.None), market);
        }
    }

    [Fact]
    public async Task an_owner_written_by_another_book_is_decided_again_on_the_stored_state_and_taken_as_written()
    {
        await using var host = await FundedAsync();
        await host.Fills.HandleAsync(Fills(1, 10), CancellationToken.None);
        // Another writer (a second book on the same store) moves alice's stream behind this book's back.
        var other = host.NewBook();
        await other.ExecuteAsync("alice", (state, prices) => other.Decider.Decide(state, new Deposit("alice", "USDC", 5m, "dep-elsewhere", MarginHostHarness.T0), prices), CancellationToken.None);

        await host.Fills.HandleAsync(Fills(11, 20), CancellationToken.None);

        var (memory, memoryVersion) = (await host.Book.InMemoryAsync("alice", CancellationToken.None)).ShouldNotBeNull();
        var (stored, storedVersion) = await host.NewBook().LoadAsync("alice", CancellationToken.None);
        memoryVersion.ShouldBe(storedVersion);
        Json(memory).ShouldBe(Json(stored));
        memory.SubAccounts[0].Balances["USDC"].ShouldBe(stored.SubAccounts[0].Balances["USDC"]);
    }

    [Fact]
    public void the_fill_consumer_hands_over_fills_and_unknown_or_untyped_messages_and_commits_every_other_matching_event_unread()
    {
        foreach (var type in MatchingEventTypes.NonFill)
        {
            MatchingFillGateway.Types.Skips(Encoding.UTF8.GetBytes(type)).ShouldBeTrue(type);
        }

        MatchingFillGateway.Types.Skips(Encoding.UTF8.GetBytes(MatchingEventTypes.Fill)).ShouldBeFalse();
        MatchingFillGateway.Types.Skips("clearing.matching.something-new.v1"u8).ShouldBeFalse();
        MatchingFillGateway.Types.Skips((Confluent.Kafka.Headers?)null).ShouldBeFalse();
        foreach (var e in Fills(1, 5))
        {
            MatchingEventTypes.Of(e.Payload).ShouldBe(MatchingEventTypes.Fill);
        }
    }

    private static string Json(Account account) => JsonSerializer.Serialize(account, MarginEventTypes.Options);

    private static async Task<MarginHostHarness> FundedAsync()
    {
        var host = new MarginHostHarness();
        foreach (var owner in Owners)
        {
            await host.DepositAsync(owner, owner == "mm" ? 10_000_000m : 200_000m);
        }

        return host;
    }

    private static List<KafkaInboundMessage<MatchingEvent>> Fills(int from, int to) =>
        Enumerable.Range(from, to - from + 1)
            .Select(n => n % 5 == 0
                ? MarginHostHarness.FillMessage(n, Owners[n % 3], n % 2 == 0 ? Side.Sell : Side.Buy, "mm", 0.5m + n / 10m, 3_000m + n, market: "ETH-PERP", takerFee: 1.5m, makerFee: -0.25m)
                : MarginHostHarness.FillMessage(n, Owners[n % 3], n % 2 == 0 ? Side.Sell : Side.Buy, "mm", 0.01m * n, 100_000m + 10m * n, takerFee: 2.5m, makerFee: -0.5m))
            .ToList();
}
