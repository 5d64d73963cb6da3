using System.Reflection;
using Clearing.EventSourcing;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Microsoft.Extensions.Logging.Abstractions;
using Side = Clearing.Contracts.Orders.V1.Side;

namespace Clearing.Margin.Tests.Host;

/// <summary>
/// The ledger's followers skip what cannot concern them without parsing it: the projector decides from the stored type
/// name, the vault mirror from the serialized kind. Both filters are derived from the real type map and serializer, so
/// renaming an event type or a ledger kind cannot silently make them skip what they must book.
/// </summary>
public sealed class LedgerFollowerTests
{
    private const string Vault = "vault-hlp";
    private static readonly CancellationToken None = CancellationToken.None;

    private static LedgerEntryRecorded Entry(LedgerKind kind, string reference = "ref-1", string market = "") =>
        new(7, "account-lp-1:3:0", kind, reference, market, "lp-1",
            [new Posting(Vault, "USDC", 10m), new Posting("lp-1", "USDC", -10m)], MarginHostHarness.T0, "account-lp-1", 3, 11, 0);

    private static bool IsVaultKind(LedgerKind kind) => kind is LedgerKind.VaultDeposit or LedgerKind.VaultWithdrawal;

    [Fact]
    public void every_ledger_kind_as_the_serializer_writes_it_passes_the_vault_pre_filter_exactly_when_it_is_a_vault_transfer()
    {
        foreach (var kind in Enum.GetValues<LedgerKind>())
        {
            var stored = MarginEventTypes.Serializer.Serialize(Entry(kind));

            VaultTransferMirror.MayBeVaultTransfer(stored.Data.Span).ShouldBe(IsVaultKind(kind), $"kind {kind}");
        }
    }

    [Fact]
    public void a_vault_entry_passes_the_pre_filter_whatever_its_reference_and_market_hold()
    {
        foreach (var text in new[] { "", "\"kind\":\"Deposit\"", "VaultDeposit", "\\\"", "dép-ü-\u0001" })
        {
            VaultTransferMirror.MayBeVaultTransfer(MarginEventTypes.Serializer.Serialize(Entry(LedgerKind.VaultWithdrawal, text, text)).Data.Span).ShouldBeTrue(text);
            VaultTransferMirror.MayBeVaultTransfer(MarginEventTypes.Serializer.Serialize(Entry(LedgerKind.VaultDeposit, text, text)).Data.Span).ShouldBeTrue(text);
        }
    }

    [Fact]
    public void the_projector_skips_unparsed_exactly_the_stored_types_that_never_move_money()
    {
        var types = typeof(MarginEventTypes).Assembly.GetTypes().Where(t => t.GetCustomAttribute<EventTypeAttribute>() is not null).ToList();
        types.Count.ShouldBeGreaterThan(10);
        foreach (var type in types)
        {
            var name = type.GetCustomAttribute<EventTypeAttribute>()!.Name;
            var parsedAsMoney = !MarginEventTypes.Map.TryGetType(name, out var mapped) || typeof(IMovesMoney).IsAssignableFrom(mapped);

            LedgerProjector.CanMoveMoney(name).ShouldBe(parsedAsMoney, name);
        }

        LedgerProjector.CanMoveMoney("margin.message-applied.v1").ShouldBeFalse();
        LedgerProjector.CanMoveMoney("margin.not-registered.v1").ShouldBeTrue("an unknown type is parsed, so the serializer reports it");
    }

    [Fact]
    public void the_light_read_of_stored_ledger_lines_is_used_exactly_for_the_types_that_store_them_and_reads_what_the_serializer_reads()
    {
        var at = MarginHostHarness.T0;
        var lines = new List<LedgerLine>
        {
            LedgerLine.Between(LedgerKind.RealizedPnl, "BTC-PERP:7", "BTC-PERP", "USDC", "acct-1:2", SystemAccounts.Settlement, -1_234.56789m),
            LedgerLine.Between(LedgerKind.TradingFee, "BTC-PERP:7", "BTC-PERP", "USDC", SystemAccounts.FeePool, "acct-1:2", 0.000001m),
        };
        object[] events =
        [
            new PositionChanged("acct-1:2", "BTC-PERP", PositionChange.Fill, "BTC-PERP:7", -0.5m, 60_000.5m,
                new Position("BTC-PERP", 1.5m, 90_000m, true, 12m, -3m, 4m, 0.5m), lines, at),
            new PositionChanged("acct-2", "ETH-PERP", PositionChange.Funding, "f-1", 0m, 4_000m, new Position("ETH-PERP", 0m, 0m), [], at),
            new MoneyMoved("acct-3", "liquidation-fee", lines, at),
        ];
        foreach (var e in events)
        {
            var stored = MarginEventTypes.Serializer.Serialize(e);
            var full = (IMovesMoney)MarginEventTypes.Serializer.Deserialize(stored.Type, stored.Data.Span);

            var light = MarginEventTypes.ReadStoredLedgerLines(stored.Type, stored.Data.Span).ShouldNotBeNull();

            light.AccountId.ShouldBe(full.AccountId);
            light.LedgerLines.Select(l => (l.Kind, l.Reference, l.Market, string.Join(";", l.Postings)))
                .ShouldBe(full.LedgerLines.Select(l => (l.Kind, l.Reference, l.Market, string.Join(";", l.Postings))));
        }

        var deposit = MarginEventTypes.Serializer.Serialize(new Deposited("acct-1", "USDC", 10m, "d-1", at));
        MarginEventTypes.ReadStoredLedgerLines(deposit.Type, deposit.Data.Span).ShouldBeNull("its lines are computed, not stored");
        foreach (var type in typeof(MarginEventTypes).Assembly.GetTypes().Where(t => typeof(IMovesMoney).IsAssignableFrom(t) && !t.IsInterface))
        {
            var stores = type.GetProperty(nameof(IMovesMoney.LedgerLines))!.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null;
            var lightly = type == typeof(PositionChanged) || type == typeof(MoneyMoved);
            (lightly && !stores).ShouldBeFalse($"{type.Name} is read lightly but does not store its lines");
        }
    }

    [Fact]
    public async Task the_projector_numbers_the_same_ledger_in_passes_as_a_fresh_projector_does_in_one()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("mm-1", 1_000_000m);
        await host.DepositAsync("t-1", 100_000m);
        await host.Ledger.CatchUpAsync(None);
        for (var i = 1; i <= 6; i++)
        {
            await host.FillAsync(i, "t-1", i % 2 == 0 ? Side.Sell : Side.Buy, "mm-1", 0.5m, 60_000m + i, takerFee: 1.5m, makerFee: -0.2m);
            await host.Ledger.CatchUpAsync(None);
        }

        var inPasses = await LedgerTextAsync(host.Store);

        // A restarted projector on a copy of the account events numbers them from the stream alone.
        await using var fresh = new MarginHostHarness();
        foreach (var e in (await host.AllAsync()).Where(e => e.Category == MarginEventTypes.AccountCategory))
        {
            await fresh.Store.AppendAsync(e.StreamId, ExpectedVersion.From(e.StreamVersion - 1),
                [new EventData(e.EventId, e.Type, e.SchemaVersion, e.Data, e.Metadata, e.CorrelationId, e.CausationId)]);
        }

        await fresh.Ledger.CatchUpAsync(None);
        var inOne = await LedgerTextAsync(fresh.Store);

        inPasses.Count.ShouldBeGreaterThan(12);
        inPasses.Select(Lines).ShouldBe(inOne.Select(Lines));
    }

    [Fact]
    public async Task the_mirror_stores_its_checkpoint_at_once_after_mirroring_and_otherwise_at_most_once_per_interval_and_a_restart_applies_nothing_twice()
    {
        await using var host = new MarginHostHarness();
        var time = new ManualTime(MarginHostHarness.T0);
        await host.DepositAsync("lp-1", 10_000m);
        await host.DepositAsync("mm-1", 1_000_000m);
        await host.Book.ExecuteAsync("lp-1", (state, prices) => host.Book.Decider.Decide(state, new DepositToVault("lp-1", Vault, "USDC", 1_000m, "dep-1", MarginHostHarness.T0), prices), None);
        await host.Ledger.CatchUpAsync(None);
        var mirror = new VaultTransferMirror(host.Store, host.Book, NullLogger<VaultTransferMirror>.Instance, time);

        (await mirror.CatchUpAsync(None)).ShouldBe(1);
        var afterDeposit = await host.Store.GetStreamVersionAsync(LedgerProjector.LedgerStream);
        (await host.Store.Checkpoints.LoadAsync(VaultTransferMirror.Checkpoint)).ShouldBe(afterDeposit);

        await host.FillAsync(1, "lp-1", Side.Buy, "mm-1", 0.01m, 60_000m, takerFee: 0.5m);
        await host.Ledger.CatchUpAsync(None);
        (await mirror.CatchUpAsync(None)).ShouldBe(0);
        (await host.Store.Checkpoints.LoadAsync(VaultTransferMirror.Checkpoint)).ShouldBe(afterDeposit, "nothing mirrored within the interval");

        time.Advance(VaultTransferMirror.CheckpointInterval);
        (await mirror.CatchUpAsync(None)).ShouldBe(0);
        var head = await host.Store.GetStreamVersionAsync(LedgerProjector.LedgerStream);
        head.ShouldBeGreaterThan(afterDeposit);
        (await host.Store.Checkpoints.LoadAsync(VaultTransferMirror.Checkpoint)).ShouldBe(head);

        // A crash before the checkpoint was stored: the restarted mirror re-reads the deposit and applies nothing.
        await host.Store.Checkpoints.SaveAsync(VaultTransferMirror.Checkpoint, -1);
        (await new VaultTransferMirror(host.Store, host.Book, NullLogger<VaultTransferMirror>.Instance, time).CatchUpAsync(None)).ShouldBe(0);
        (await host.Book.LoadAsync(Vault, None)).State.Sub(0).BalanceOf("USDC").ShouldBe(1_000m);
    }

    private static async Task<List<LedgerEntryRecorded>> LedgerTextAsync(IEventStore store)
    {
        var entries = new List<LedgerEntryRecorded>();
        await foreach (var e in store.ReadStreamAsync(LedgerProjector.LedgerStream, ReadDirection.Forward, 0))
        {
            entries.Add((LedgerEntryRecorded)MarginEventTypes.Serializer.Deserialize(e));
        }

        return entries;
    }

    private static string Lines(LedgerEntryRecorded e) =>
        $"{e.Sequence}|{e.EntryId}|{e.Kind}|{e.Reference}|{e.Market}|{e.AccountId}|{string.Join(",", e.Postings)}|{e.SourceStream}|{e.SourceVersion}|{e.LineIndex}";

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
