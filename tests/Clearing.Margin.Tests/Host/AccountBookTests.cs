using Clearing.Contracts;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Contracts.Settlement.V1;
using Clearing.Contracts.Funding.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Integration;
using Clearing.Margin.Tests.Accounts;

namespace Clearing.Margin.Tests.Host;

public class AccountBookTests
{
    [Fact]
    public async Task a_redelivered_fill_is_booked_once_on_both_accounts()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 10_000m);
        await host.DepositAsync("bob", 10_000m);

        await host.FillAsync(7, "alice", Side.Buy, "bob", 0.5m, 100_000m, takerFee: 25m, makerFee: -5m);
        await host.FillAsync(7, "alice", Side.Buy, "bob", 0.5m, 100_000m, takerFee: 25m, makerFee: -5m);

        var (alice, _) = await host.Book.LoadAsync("alice", CancellationToken.None);
        var (bob, _) = await host.Book.LoadAsync("bob", CancellationToken.None);
        alice.Sub(0).Positions["BTC-PERP"].Size.ShouldBe(0.5m);
        bob.Sub(0).Positions["BTC-PERP"].Size.ShouldBe(-0.5m);
        alice.Sub(0).BalanceOf("USDC").ShouldBe(9_975m);
        bob.Sub(0).BalanceOf("USDC").ShouldBe(10_005m);
        alice.Inbox.LastAppliedFor("book-BTC-PERP").ShouldBe(7);
    }

    [Fact]
    public async Task a_price_tick_through_maintenance_stores_a_liquidation_required_that_the_outbox_publishes_keyed_by_account()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 3_000m);
        await host.DepositAsync("bob", 100_000m);
        await host.DepositAsync("carol", 5_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);
        await host.PriceAsync(1, 100_000m, 100_000m);
        var before = host.Book.RevaluedAccounts;

        await host.PriceAsync(2, 98_000m, 98_000m);

        // alice and bob hold BTC-PERP (carol only USDC), and the fixed-point index passes only alice, whose band moved,
        // to the exact valuation.
        host.Book.RevaluedAccounts.ShouldBe(before + 1);
        var translator = new MarginOutboxTranslator();
        var published = (await host.AllAsync()).Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>().ToList();
        var risk = published.Where(m => m.Topic == Topics.MarginRisk).ToList();
        risk.Select(m => m.Key).ShouldBe(["alice", "alice"]);
        var events = risk.Select(m => RiskEvent.Parser.ParseFrom(m.Payload)).ToList();
        events[0].HealthChanged.From.ShouldBe(Clearing.Contracts.Margin.V1.HealthBand.Healthy);
        events[0].HealthChanged.To.ShouldBe(Clearing.Contracts.Margin.V1.HealthBand.Liquidation);
        events[1].Sequence.ShouldBe(2);
        events[1].LiquidationRequired.Shortfall.ShouldBe("176");
        events[1].Risk.Equity.ShouldBe("1000");
        events[1].Risk.MaintenanceRequirement.ShouldBe("1176");
        events[1].Risk.TriggerAsset.ShouldBe("BTC");
        events[1].Risk.TriggerPriceSequence.ShouldBe(2);
        events[1].Risk.Positions.Single().BankruptcyPrice.ShouldBe("97000");

        await host.PriceAsync(2, 90_000m, 90_000m); // a repeat of sequence 2: ignored
        (await host.AllAsync()).Count(e => e.Type == "margin.risk-event-recorded.v1").ShouldBe(2);
    }

    [Fact]
    public async Task stale_collateral_counts_zero_in_the_read_model_and_a_withdrawal_is_refused_with_the_numbers()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 1m, "BTC");
        await host.DepositAsync("bob", 100_000m);
        await host.PriceAsync(1, 100_000m, 100_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 0.5m, 100_000m);
        (await host.Views.ReadAsync("alice", CancellationToken.None))!.AvailableMargin.ShouldBe(89_000m);

        await host.PriceAsync(2, 100_000m, 100_000m, PriceStatus.Stale);
        var refusal = await Should.ThrowAsync<AccountRuleException>(() => host.Book.ExecuteAsync("alice",
            (state, prices) => host.Book.Decider.Decide(state, new Withdraw("alice", "BTC", 0.5m, "w-1", MarginHostHarness.T0), prices), CancellationToken.None));

        refusal.Message.ShouldContain("equity for new risk of 0 against an initial margin requirement of 1000");
    }

    [Fact]
    public async Task the_read_model_is_written_after_each_change_with_the_stream_version()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 10_000m);
        await host.DepositAsync("bob", 10_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);

        var view = await host.Views.ReadAsync("alice", CancellationToken.None);

        view.ShouldNotBeNull();
        view.Version.ShouldBe((await host.Book.LoadAsync("alice", CancellationToken.None)).Version);
        view.InitialRequirement.ShouldBe(2_000m);
        view.AvailableMargin.ShouldBe(8_000m);
        view.Band.ShouldBe("healthy");
        view.Positions.Single().Market.ShouldBe("BTC-PERP");
        view.Greeks.Single().Delta.ShouldBe(1.0);
    }

    [Fact]
    public async Task the_ledger_is_numbered_gap_free_from_one_every_entry_balances_and_catching_up_twice_adds_nothing()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 10_000m);
        await host.DepositAsync("bob", 10_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m, takerFee: 50m, makerFee: -10m);
        await host.FillAsync(2, "bob", Side.Buy, "alice", 1m, 101_000m, takerFee: 50m, makerFee: 10m);

        var added = await host.Ledger.CatchUpAsync(CancellationToken.None);
        (await host.Ledger.CatchUpAsync(CancellationToken.None)).ShouldBe(0);
        await host.DepositAsync("carol", 1m);
        (await host.Ledger.CatchUpAsync(CancellationToken.None)).ShouldBe(1);

        var translator = new MarginOutboxTranslator();
        var entries = (await host.AllAsync()).Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>()
            .Where(m => m.Topic == Topics.MarginLedger).ToList();
        entries.ShouldAllBe(m => m.Key == MarginOutboxTranslator.LedgerKey);
        var ledger = entries.Select(m => LedgerEntry.Parser.ParseFrom(m.Payload)).ToList();
        added.ShouldBe(2 + 2 + 4); // deposits; fee and rebate; two realized PnLs and two fees
        ledger.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, ledger.Count).Select(i => (long)i));
        ledger.ShouldAllBe(e => e.Postings.Sum(p => decimal.Parse(p.Amount, System.Globalization.CultureInfo.InvariantCulture)) == 0m);
        ledger.Count(e => e.Kind == LedgerEntryKind.FeeRebate).ShouldBe(1);
        ledger.Where(e => e.Kind == LedgerEntryKind.RealizedPnl).SelectMany(e => e.Postings).ShouldContain(new Clearing.Contracts.Margin.V1.Posting { AccountId = "alice", Asset = "USDC", Amount = "1000" });
    }

    [Fact]
    public async Task replaying_the_store_rebuilds_the_same_accounts_in_a_fresh_account_book()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 10_000m);
        await host.DepositAsync("bob", 10_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);
        await host.PriceAsync(1, 95_000m, 95_000m);
        var (alice, version) = await host.Book.LoadAsync("alice", CancellationToken.None);

        var fresh = host.NewBook();
        await fresh.LoadAllAsync(CancellationToken.None);

        (await fresh.HoldersOfAsync("BTC-PERP", CancellationToken.None)).ShouldBe(["alice", "bob"]);
        var (replayed, replayedVersion) = await fresh.LoadAsync("alice", CancellationToken.None);
        replayedVersion.ShouldBe(version);
        MarginWorld.Json(replayed).ShouldBe(MarginWorld.Json(alice));
    }

    [Fact]
    public async Task funding_and_expiry_apply_to_every_holder_once()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 10_000m);
        await host.DepositAsync("bob", 10_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 101_000m, market: "BTC-26MAR27");
        var funding = new FundingGateway(host.Book);
        var settlement = new SettlementGateway(host.Book);
        var rate = new FundingEvent { Market = "BTC-PERP", Sequence = 1, RateSet = new FundingRateSet { Rate = "0.0001", MarkPrice = "100000", IntervalEndUnixNanos = 1 } };
        var expiry = new SettlementEvent { Key = "BTC-26MAR27", Sequence = 1, PriceFixed = new SettlementPriceFixed { Market = "BTC-26MAR27", SettlementPrice = "103000" } };

        await funding.HandleAsync(MarginHostHarness.Message(rate, "funding-BTC-PERP", 1), CancellationToken.None);
        await funding.HandleAsync(MarginHostHarness.Message(rate, "funding-BTC-PERP", 1), CancellationToken.None);
        await settlement.HandleAsync(MarginHostHarness.Message(expiry, "settlement-BTC-26MAR27", 1), CancellationToken.None);

        var (alice, _) = await host.Book.LoadAsync("alice", CancellationToken.None);
        var (bob, _) = await host.Book.LoadAsync("bob", CancellationToken.None);
        alice.Sub(0).BalanceOf("USDC").ShouldBe(10_000m - 10m + 2_000m);
        bob.Sub(0).BalanceOf("USDC").ShouldBe(10_000m + 10m - 2_000m);
        alice.Sub(0).Positions.Keys.ShouldBe(["BTC-PERP"]);
        (await host.Book.HoldersOfAsync("BTC-26MAR27", CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_transfer_to_the_fund_moves_the_position_to_the_insurance_fund_and_the_fund_covers_the_deficit_once()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 3_000m);
        await host.DepositAsync("bob", 100_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);
        var liquidation = new LiquidationGateway(host.Book, host.Pauses);
        var fee = new LiquidationEvent { AccountId = "alice", LiquidationId = "liq-9", Sequence = 2, SliceFilled = new SliceFilled { Market = "BTC-PERP", LiquidationFee = "25" } };
        var toFund = new LiquidationEvent { AccountId = "alice", LiquidationId = "liq-9", Sequence = 3, TransferredToFund = new TransferredToFund { Market = "BTC-PERP", Size = "1", BankruptcyPrice = "97000" } };

        await liquidation.HandleAsync(MarginHostHarness.Message(fee, "liquidation-alice", 2), CancellationToken.None);
        await liquidation.HandleAsync(MarginHostHarness.Message(toFund, "liquidation-alice", 3), CancellationToken.None);
        await liquidation.HandleAsync(MarginHostHarness.Message(toFund, "liquidation-alice", 3), CancellationToken.None);

        var (alice, _) = await host.Book.LoadAsync("alice", CancellationToken.None);
        var (fund, _) = await host.Book.LoadAsync(SystemAccounts.InsuranceFund, CancellationToken.None);
        alice.Sub(0).Positions.ShouldBeEmpty();
        alice.Sub(0).BalanceOf("USDC").ShouldBe(0m);
        fund.Sub(0).Positions["BTC-PERP"].Size.ShouldBe(1m);
        fund.Sub(0).Positions["BTC-PERP"].EntryPrice.ShouldBe(97_000m);
        await host.Ledger.CatchUpAsync(CancellationToken.None);
        var translator = new MarginOutboxTranslator();
        var ledger = (await host.AllAsync()).Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>()
            .Where(m => m.Topic == Topics.MarginLedger).Select(m => LedgerEntry.Parser.ParseFrom(m.Payload)).ToList();
        ledger.Where(e => e.Kind is LedgerEntryKind.LiquidationFee or LedgerEntryKind.InsuranceTransfer).SelectMany(e => e.Postings)
            .Where(p => p.AccountId == SystemAccounts.InsuranceFund).Sum(p => decimal.Parse(p.Amount, System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(25m - 25m); // fee 25 in; alice's 3 000 − 25 − 3 000 loss at the bankruptcy price leaves −25, which the fund pays
    }

    [Fact]
    public async Task a_transfer_to_the_vault_closes_the_account_at_the_bankruptcy_price_and_the_vault_account_takes_it_over_once()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("alice", 3_000m);
        await host.DepositAsync("bob", 100_000m);
        await host.DepositAsync("vault:main", 500_000m);
        await host.FillAsync(1, "alice", Side.Buy, "bob", 1m, 100_000m);
        var liquidation = new LiquidationGateway(host.Book, host.Pauses);
        var toVault = new LiquidationEvent
        {
            AccountId = "alice", LiquidationId = "liq-7", Sequence = 2,
            TransferredToVault = new TransferredToVault { VaultId = "main", VaultAccountId = "vault:main", Market = "BTC-PERP", Size = "1", BankruptcyPrice = "97000", Side = Side.Sell },
        };

        await liquidation.HandleAsync(MarginHostHarness.Message(toVault, "liquidation-alice", 2), CancellationToken.None);
        await liquidation.HandleAsync(MarginHostHarness.Message(toVault, "liquidation-alice", 2), CancellationToken.None);

        var (alice, _) = await host.Book.LoadAsync("alice", CancellationToken.None);
        var (vault, _) = await host.Book.LoadAsync("vault:main", CancellationToken.None);
        var (fund, _) = await host.Book.LoadAsync(SystemAccounts.InsuranceFund, CancellationToken.None);
        alice.Sub(0).Positions.ShouldBeEmpty();
        alice.Sub(0).BalanceOf("USDC").ShouldBe(0m);
        vault.Sub(0).Positions["BTC-PERP"].Size.ShouldBe(1m);
        vault.Sub(0).Positions["BTC-PERP"].EntryPrice.ShouldBe(97_000m);
        vault.Sub(0).BalanceOf("USDC").ShouldBe(500_000m);
        fund.Sub(0).Positions.ShouldBeEmpty();
        await host.Ledger.CatchUpAsync(CancellationToken.None);
        var translator = new MarginOutboxTranslator();
        var ledger = (await host.AllAsync()).Select(translator.Translate).OfType<Clearing.Messaging.Kafka.OutboundMessage>()
            .Where(m => m.Topic == Topics.MarginLedger).Select(m => LedgerEntry.Parser.ParseFrom(m.Payload)).ToList();
        ledger.Where(e => e.Kind == LedgerEntryKind.Vault).ShouldNotBeEmpty();
        ledger.ShouldAllBe(e => e.Postings.Sum(p => decimal.Parse(p.Amount, System.Globalization.CultureInfo.InvariantCulture)) == 0m);
    }

    [Fact]
    public async Task a_transfer_to_the_vault_without_the_vault_account_is_refused_as_malformed()
    {
        await using var host = new MarginHostHarness();
        var liquidation = new LiquidationGateway(host.Book, host.Pauses);
        var toVault = new LiquidationEvent { AccountId = "alice", LiquidationId = "liq-7", Sequence = 2, TransferredToVault = new TransferredToVault { Market = "BTC-PERP", Size = "1", BankruptcyPrice = "97000" } };

        var error = await Should.ThrowAsync<FormatException>(() => liquidation.HandleAsync(MarginHostHarness.Message(toVault, "liquidation-alice", 2), CancellationToken.None));
        error.Message.ShouldContain("vault_account_id");
    }
}
