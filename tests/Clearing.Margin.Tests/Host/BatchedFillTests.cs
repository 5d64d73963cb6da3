using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Contracts.ReadModels;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka;

namespace Clearing.Margin.Tests.Host;

/// <summary>Margin books fills in runs (one write per owner per run); a run must book exactly what the same fills booked one by one would.</summary>
public class BatchedFillTests
{
    private static readonly string[] Owners = ["alice", "bob", "carol", "mm"];

    [Fact]
    public async Task a_run_of_fills_books_the_same_accounts_ledger_and_risk_views_as_the_same_fills_one_at_a_time()
    {
        await using var oneByOne = await FundedAsync();
        await using var inRuns = await FundedAsync();
        var fills = Fills(1, 40);

        foreach (var fill in fills)
        {
            await oneByOne.Fills.HandleAsync(fill, CancellationToken.None);
        }

        await inRuns.Fills.HandleAsync(fills.Take(25).ToList(), CancellationToken.None);
        await inRuns.Fills.HandleAsync(fills.Skip(25).ToList(), CancellationToken.None);

        foreach (var owner in Owners)
        {
            var (expected, expectedVersion) = await oneByOne.Book.LoadAsync(owner, CancellationToken.None);
            var (actual, actualVersion) = await inRuns.Book.LoadAsync(owner, CancellationToken.None);
            actualVersion.ShouldBe(expectedVersion, $"{owner}: the same events, appended per run instead of per fill");
            Describe(actual).ShouldBe(Describe(expected), owner);
            Describe(await inRuns.Views.ReadAsync(owner, CancellationToken.None)).ShouldBe(Describe(await oneByOne.Views.ReadAsync(owner, CancellationToken.None)), $"{owner}'s risk view");
        }

        // The fill-only accounts also moved: both hosts' in-memory books see the same holders.
        (await inRuns.Book.HoldersOfAsync("BTC-PERP", CancellationToken.None)).ShouldBe(await oneByOne.Book.HoldersOfAsync("BTC-PERP", CancellationToken.None));
        (await inRuns.Book.HoldersOfAsync("ETH-PERP", CancellationToken.None)).ShouldBe(await oneByOne.Book.HoldersOfAsync("ETH-PERP", CancellationToken.None));

        // The same ledger lines, numbered without gaps. Across accounts they are in store order, which in a run follows
        // the owners' writes rather than the fills; each account's own lines keep the fills' order.
        await oneByOne.Ledger.CatchUpAsync(CancellationToken.None);
        await inRuns.Ledger.CatchUpAsync(CancellationToken.None);
        var expectedLedger = await LedgerAsync(oneByOne);
        var actualLedger = await LedgerAsync(inRuns);
        actualLedger.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, expectedLedger.Count).Select(n => (long)n));
        actualLedger.Select(Line).Order(StringComparer.Ordinal).ShouldBe(expectedLedger.Select(Line).Order(StringComparer.Ordinal));
        foreach (var owner in Owners)
        {
            actualLedger.Where(e => e.AccountId == owner).Select(Line).ShouldBe(expectedLedger.Where(e => e.AccountId == owner).Select(Line), $"{owner}'s lines in order");
        }
    }

    [Fact]
    public async Task a_run_that_overlaps_fills_already_booked_books_only_the_new_ones_and_a_redelivered_run_books_nothing()
    {
        await using var oneByOne = await FundedAsync();
        await using var inRuns = await FundedAsync();
        foreach (var fill in Fills(1, 15))
        {
            await oneByOne.Fills.HandleAsync(fill, CancellationToken.None);
        }

        await inRuns.Fills.HandleAsync(Fills(1, 10), CancellationToken.None);
        await inRuns.Fills.HandleAsync(Fills(5, 15), CancellationToken.None);
        var before = (await inRuns.AllAsync()).Count;
        await inRuns.Fills.HandleAsync(Fills(1, 15), CancellationToken.None);

        (await inRuns.AllAsync()).Count.ShouldBe(before, "a redelivered run appends nothing");
        foreach (var owner in Owners)
        {
            var (expected, _) = await oneByOne.Book.LoadAsync(owner, CancellationToken.None);
            var (actual, _) = await inRuns.Book.LoadAsync(owner, CancellationToken.None);
            Describe(actual).ShouldBe(Describe(expected), owner);
        }
    }

    [Fact]
    public async Task a_run_holding_a_malformed_fill_books_none_of_its_fills_so_the_consumer_can_split_it()
    {
        await using var host = await FundedAsync();
        var before = (await host.AllAsync()).Count;
        var fills = Fills(1, 6);
        var malformed = MarginHostHarness.FillMessage(7, "alice", Side.Buy, "mm", 0.1m, 100_000m);
        malformed.Payload.Fill.TakerSide = Side.Unspecified;
        fills.Add(malformed);

        var error = await Should.ThrowAsync<FormatException>(() => host.Fills.HandleAsync(fills, CancellationToken.None));

        error.Message.ShouldContain("taker_side is unspecified");
        (await host.AllAsync()).Count.ShouldBe(before);
        var (mm, _) = await host.Book.LoadAsync("mm", CancellationToken.None);
        mm.Inbox.LastAppliedFor("book-BTC-PERP").ShouldBeNull();
    }

    private static async Task<MarginHostHarness> FundedAsync()
    {
        var host = new MarginHostHarness();
        foreach (var owner in Owners)
        {
            await host.DepositAsync(owner, owner == "mm" ? 10_000_000m : 200_000m);
        }

        return host;
    }

    /// <summary>Fills <paramref name="from"/>..<paramref name="to"/>: three takers on both sides of two markets against one maker, with fees and rebates.</summary>
    private static List<KafkaInboundMessage<MatchingEvent>> Fills(int from, int to) =>
        Enumerable.Range(from, to - from + 1)
            .Select(n => n % 5 == 0
                ? MarginHostHarness.FillMessage(n, Owners[n % 3], n % 2 == 0 ? Side.Sell : Side.Buy, "mm", 0.5m + n / 10m, 3_000m + n, market: "ETH-PERP", takerFee: 1.5m, makerFee: -0.25m)
                : MarginHostHarness.FillMessage(n, Owners[n % 3], n % 2 == 0 ? Side.Sell : Side.Buy, "mm", 0.01m * n, 100_000m + 10m * n, takerFee: 2.5m, makerFee: -0.5m))
            .ToList();

    private static string Describe(Account account) =>
        string.Join("; ", account.SubAccounts.Values.Select(sub =>
            $"{sub.Number}: bal[{string.Join(",", sub.Balances.OrderBy(b => b.Key).Select(b => $"{b.Key}={b.Value}"))}] " +
            $"pos[{string.Join(",", sub.Positions.Values.OrderBy(p => p.Market).Select(p => $"{p.Market}={p.Size}@{p.Cost}"))}] band={sub.Band}"))
        + $" inbox={account.Inbox.LastAppliedFor("book-BTC-PERP")}/{account.Inbox.LastAppliedFor("book-ETH-PERP")}";

    private static string Describe(AccountRiskView? view) =>
        view is null ? "none" : $"{view.Version} {view.Equity} {view.AvailableMargin} {view.MaintenanceRequirement} {view.Band} " +
            string.Join(",", view.Positions.Select(p => $"{p.Market}={p.Size}@{p.EntryPrice}"));

    private static async Task<List<LedgerEntryRecorded>> LedgerAsync(MarginHostHarness host) =>
        (await host.AllAsync())
            .Where(e => e.StreamId == LedgerProjector.LedgerStream)
            .Select(e => (LedgerEntryRecorded)MarginEventTypes.Serializer.Deserialize(e))
            .ToList();

    private static string Line(LedgerEntryRecorded e) =>
        $"{e.Kind} {e.Reference} {e.AccountId} {string.Join(",", e.Postings.Select(p => $"{p.AccountId}:{p.Asset}:{p.Amount}"))}";
}
