using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Matching;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Contracts.Settlement.V1;
using Clearing.Primitives.Markets;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Vault.Application;
using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Integration;

/// <summary>
/// The vault's five inputs. Oracle prices feed an in-memory view (marks, index, status, volatility), rebuilt on every
/// start under a consumer group of its own. Margin's ledger (deposits into the vault's account, fee income, funding),
/// matching events, liquidation events and settlement's expiry prices change the vault's books; repeats
/// are skipped by the inbox kept in the vault's state (source stream and sequence of each message).
/// </summary>
public static class VaultInputs
{
    /// <summary>The most matching events or ledger entries handed to the vault at once.</summary>
    public const int RunSize = 256;

    /// <summary>What a matching event or ledger entry that does not name the vault's account becomes: nothing the handlers act on.</summary>
    internal static readonly MatchingEvent SkippedMatchingEvent = new();

    internal static readonly LedgerEntry SkippedLedgerEntry = new();

    public static IServiceCollection AddVaultInputs(this IServiceCollection services)
    {
        var instance = Guid.NewGuid().ToString("N")[..12];
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<PriceUpdate>
            {
                Name = "vault-prices",
                Topics = [Topics.OraclePrices],
                Deserializer = new ProtobufPayloadDeserializer<PriceUpdate>(),
                GroupId = $"vault-prices-{instance}",
            },
            sp =>
            {
                var prices = sp.GetRequiredService<MarketPrices>();
                return (message, _) =>
                {
                    prices.Apply(message.Payload);
                    return Task.CompletedTask;
                };
            });
        // Matching events and ledger entries arrive at order rate and almost none name the vault's account: they are
        // skipped unparsed (OwnAccountFilter) and taken in runs, so the rest costs no retry pipeline per message.
        var own = new OwnAccountFilter();
        services.AddSingleton(own);
        services.AddSingleton<MatchingInput>();
        services.AddKafkaBatchConsumer(
            new KafkaConsumerDefinition<MatchingEvent>
            {
                Name = "vault-matching", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.MatchingEvents], Deserializer = new OwnAccountPayloadDeserializer<MatchingEvent>(own, SkippedMatchingEvent), MaxBatchSize = RunSize,
                // Its quotes' fills, cancels and rejections are all the vault acts on (MatchingInput).
                Types = KafkaTypeFilter.Only(MatchingEventTypes.Fill, MatchingEventTypes.OrderCancelled, MatchingEventTypes.OrderRejected),
            },
            sp =>
            {
                own.Bind(sp.GetRequiredService<VaultRules>().AccountId);
                return sp.GetRequiredService<MatchingInput>().HandleBatchAsync;
            });
        services.AddSingleton<MarginLedgerInput>();
        services.AddKafkaBatchConsumer(
            new KafkaConsumerDefinition<LedgerEntry>
            {
                Name = "vault-ledger", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.MarginLedger], Deserializer = new OwnAccountPayloadDeserializer<LedgerEntry>(own, SkippedLedgerEntry), MaxBatchSize = RunSize,
            },
            sp =>
            {
                own.Bind(sp.GetRequiredService<VaultRules>().AccountId);
                return sp.GetRequiredService<MarginLedgerInput>().HandleBatchAsync;
            });
        services.AddSingleton<SettlementInput>();
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<SettlementEvent> { Name = "vault-settlement", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.SettlementEvents], Deserializer = new ProtobufPayloadDeserializer<SettlementEvent>() },
            sp => sp.GetRequiredService<SettlementInput>().HandleAsync);
        services.AddSingleton<LiquidationInput>();
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<LiquidationEvent> { Name = "vault-liquidation", Urgency = KafkaConsumerUrgency.Background, Topics = [Topics.LiquidationEvents], Deserializer = new ProtobufPayloadDeserializer<LiquidationEvent>() },
            sp => sp.GetRequiredService<LiquidationInput>().HandleAsync);
        return services;
    }

    internal static decimal Amount(string text, string field) =>
        text.Length == 0 ? 0m
        : decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value
        : throw new FormatException($"{field} '{text}' is not a plain decimal");

    internal static DateTimeOffset Time(long unixNanos) => DateTimeOffset.UnixEpoch.AddTicks(unixNanos / 100);
}

/// <summary>
/// Fills of the vault's own quotes (its trading account is the maker or taker); every other fill is skipped without
/// touching the vault's stream (its fee share arrives as money, from margin's ledger). Cancels and rejections of its
/// quotes take them out of the live view.
/// </summary>
public sealed class MatchingInput(VaultLedger ledger, LiveQuotes live, VaultAccount account)
{
    /// <summary>A run of matching events, one after another (each is idempotent through the vault's inbox, so a failed run can be handled again one by one).</summary>
    public async Task HandleBatchAsync(IReadOnlyList<KafkaInboundMessage<MatchingEvent>> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            if (message.Payload.EventCase != MatchingEvent.EventOneofCase.None)
            {
                await HandleAsync(message, cancellationToken);
            }
        }
    }

    public async Task HandleAsync(KafkaInboundMessage<MatchingEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = VaultInputs.Time(e.TimeUnixNanos);
        switch (e.EventCase)
        {
            case MatchingEvent.EventOneofCase.Fill when account.Id.Length > 0 && (e.Fill.MakerAccountId == account.Id || e.Fill.TakerAccountId == account.Id):
                var f = e.Fill;
                var quantity = VaultInputs.Amount(f.Quantity, "fill quantity");
                var price = VaultInputs.Amount(f.Price, "fill price");
                VaultFillInput own;
                if (f.MakerAccountId == account.Id)
                {
                    own = new VaultFillInput(e.Market, f.FillId, f.MakerOrderId, f.TakerSide == Side.Buy ? VaultSide.Sell : VaultSide.Buy, quantity, price,
                        VaultInputs.Amount(f.MakerFee, "maker fee"), at, source);
                    live.Filled(e.Market, message.Metadata.SourceSequence, f.MakerOrderId, quantity);
                }
                else
                {
                    own = new VaultFillInput(e.Market, f.FillId, f.TakerOrderId, f.TakerSide == Side.Buy ? VaultSide.Buy : VaultSide.Sell, quantity, price,
                        VaultInputs.Amount(f.TakerFee, "taker fee"), at, source);
                    live.Filled(e.Market, message.Metadata.SourceSequence, f.TakerOrderId, quantity);
                }

                await ledger.OnFillAsync(own, cancellationToken);
                break;
            case MatchingEvent.EventOneofCase.Cancelled when e.Cancelled.AccountId == account.Id:
                live.Gone(e.Market, e.Cancelled.OrderId);
                break;
            case MatchingEvent.EventOneofCase.Rejected when e.Rejected.AccountId == account.Id:
                live.Gone(e.Market, e.Rejected.OrderId);
                break;
        }
    }
}

/// <summary>
/// Margin's ledger (one partition, gap-free sequence), the vault's source of money: a LEDGER_ENTRY_KIND_VAULT_DEPOSIT entry
/// crediting the vault's account is an LP deposit margin has already moved (the vault mints its shares or returns it); a
/// LEDGER_ENTRY_KIND_FEE_DISTRIBUTION entry crediting it is a fee share margin has paid into it (out of the fee pool:
/// trading fees; out of the insurance fund: liquidation fees), which the vault counts as fee income; a
/// LEDGER_ENTRY_KIND_FUNDING entry with a posting on it is a funding payment on the vault's open perpetual, either way; a
/// LEDGER_ENTRY_KIND_LIQUIDATION_FEE entry debiting it is a fee the vault paid when it was itself liquidated, and a
/// LEDGER_ENTRY_KIND_INSURANCE_TRANSFER from the insurance fund crediting it covers a deficit it was left with. Each once,
/// through the inbox kept in the vault's state. Every other entry is skipped: what else margin books on the vault's
/// account the vault books from its own source — realized PnL and trading fees of its fills from matching (VaultFilled),
/// backstop takeovers (LEDGER_ENTRY_KIND_VAULT) from liquidation (BackstopTakenOver), expiry settlement
/// (LEDGER_ENTRY_KIND_EXPIRY_SETTLEMENT) from settlement's price (ExpirySettled), ADL and the fund's takeover of its own
/// positions (LEDGER_ENTRY_KIND_ADL, INSURANCE_TRANSFER against system:settlement) from liquidation's events
/// (PositionForceClosed), payouts it decided itself — and
/// counting those entries too would count them twice.
/// </summary>
public sealed class MarginLedgerInput(VaultLedger ledger)
{
    /// <summary>A run of ledger entries, one after another (each is idempotent through the vault's inbox, so a failed run can be handled again one by one).</summary>
    public async Task HandleBatchAsync(IReadOnlyList<KafkaInboundMessage<LedgerEntry>> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            if (message.Payload.Kind != LedgerEntryKind.Unspecified)
            {
                await HandleAsync(message, cancellationToken);
            }
        }
    }

    public async Task HandleAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        switch (e.Kind)
        {
            case LedgerEntryKind.VaultDeposit:
                await DepositAsync(message, cancellationToken);
                break;
            case LedgerEntryKind.FeeDistribution:
                await FeeIncomeAsync(message, cancellationToken);
                break;
            case LedgerEntryKind.Funding:
                await FundingAsync(message, cancellationToken);
                break;
            case LedgerEntryKind.LiquidationFee:
                await LiquidationFeeAsync(message, cancellationToken);
                break;
            case LedgerEntryKind.InsuranceTransfer:
                await DeficitCoverAsync(message, cancellationToken);
                break;
        }
    }

    /// <summary>
    /// INSURANCE_TRANSFER on the vault's account is either the realized PnL of its position the fund took over (against
    /// system:settlement: booked from liquidation's TransferredToFund) or the fund covering a deficit left once it was
    /// flat (from system:insurance-fund: money only the ledger carries). Only the latter is counted here.
    /// </summary>
    private async Task DeficitCoverAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var own = e.Postings.FirstOrDefault(p => p.AccountId == ledger.Rules.AccountId);
        var fund = e.Postings.FirstOrDefault(p => p.AccountId == LedgerSystemAccounts.InsuranceFund);
        if (own is null || fund is null)
        {
            return;
        }

        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        await ledger.OnDeficitCoverAsync(new DeficitCoverInput(e.Market, fund.AccountId, own.Asset, VaultInputs.Amount(own.Amount, "insurance transfer posting amount"), e.Reference,
            e.EntryId, e.Sequence, VaultInputs.Time(e.TimeUnixNanos), source), cancellationToken);
    }

    private async Task FundingAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var own = e.Postings.FirstOrDefault(p => p.AccountId == ledger.Rules.AccountId);
        if (own is null)
        {
            return;   // another account's funding
        }

        var other = e.Postings.FirstOrDefault(p => p.AccountId != ledger.Rules.AccountId && p.Asset == own.Asset)
            ?? throw new FormatException($"ledger entry {e.EntryId}: a funding payment on {ledger.Rules.AccountId} without the account on its other side");
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        await ledger.OnFundingAsync(new FundingInput(e.Market, other.AccountId, own.Asset, VaultInputs.Amount(own.Amount, "funding posting amount"), e.Reference, e.EntryId,
            e.Sequence, VaultInputs.Time(e.TimeUnixNanos), source), cancellationToken);
    }

    private async Task LiquidationFeeAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var own = e.Postings.FirstOrDefault(p => p.AccountId == ledger.Rules.AccountId);
        if (own is null)
        {
            return;   // a fee charged to another liquidated account
        }

        var paidTo = e.Postings.FirstOrDefault(p => p.AccountId != ledger.Rules.AccountId && p.Asset == own.Asset)
            ?? throw new FormatException($"ledger entry {e.EntryId}: a liquidation fee on {ledger.Rules.AccountId} without the account it is paid to");
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        // The ledger debits the account charged: the fee is minus the vault's posting.
        await ledger.OnLiquidationFeeAsync(new LiquidationFeeInput(e.Market, paidTo.AccountId, own.Asset, -VaultInputs.Amount(own.Amount, "liquidation fee posting amount"),
            e.Reference, e.EntryId, e.Sequence, VaultInputs.Time(e.TimeUnixNanos), source), cancellationToken);
    }

    private async Task DepositAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var credit = e.Postings.FirstOrDefault(p => p.AccountId == ledger.Rules.AccountId);
        if (credit is null)
        {
            return;   // a deposit into another vault
        }

        var amount = VaultInputs.Amount(credit.Amount, "vault deposit posting amount");
        if (amount <= 0 || string.IsNullOrWhiteSpace(e.AccountId) || string.IsNullOrWhiteSpace(e.Reference))
        {
            throw new FormatException($"ledger entry {e.EntryId}: a vault deposit needs a positive credit to {ledger.Rules.AccountId}, the LP's account_id and the deposit id as reference");
        }

        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        await ledger.OnDepositBookedAsync(new DepositInput(e.AccountId, credit.Asset, amount, e.Reference, VaultInputs.Time(e.TimeUnixNanos), source), cancellationToken);
    }

    private async Task FeeIncomeAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var credit = e.Postings.FirstOrDefault(p => p.AccountId == ledger.Rules.AccountId);
        if (credit is null)
        {
            return;   // the insurance fund's or the treasury's share, or another vault's
        }

        var debit = e.Postings.FirstOrDefault(p => p.AccountId != ledger.Rules.AccountId && p.Asset == credit.Asset)
            ?? throw new FormatException($"ledger entry {e.EntryId}: a fee distribution to {ledger.Rules.AccountId} without the account it is paid from");
        var kind = debit.AccountId switch
        {
            LedgerSystemAccounts.FeePool => FeeKind.Trading,
            LedgerSystemAccounts.InsuranceFund => FeeKind.Liquidation,
            _ => throw new FormatException($"ledger entry {e.EntryId}: a fee distribution to {ledger.Rules.AccountId} paid from {debit.AccountId}, neither the fee pool nor the insurance fund"),
        };
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        await ledger.OnFeeIncomeAsync(new FeeIncomeInput(kind, debit.AccountId, credit.Asset, VaultInputs.Amount(credit.Amount, "fee distribution posting amount"), e.Reference,
            e.Sequence, VaultInputs.Time(e.TimeUnixNanos), source), cancellationToken);
    }
}

/// <summary>
/// Settlement's expiry prices: a dated future or option the vault holds closes at its settlement value, as margin
/// closes it (SettlementGateway: futures at the price, options at intrinsic value). Margin's EXPIRY_SETTLEMENT ledger
/// entry on the vault's account is that same realized PnL; the vault books it from here because the entry does not carry
/// the price, and without the price the vault's own cost basis could not be closed to the unit.
/// </summary>
public sealed class SettlementInput(VaultLedger ledger, MarketCatalog markets)
{
    public async Task HandleAsync(KafkaInboundMessage<SettlementEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        if (e.EventCase != SettlementEvent.EventOneofCase.PriceFixed)
        {
            return;
        }

        var market = markets.Get(e.PriceFixed.Market);
        var price = VaultInputs.Amount(e.PriceFixed.SettlementPrice, "settlement price");
        if (price <= 0)
        {
            throw new FormatException($"settlement {e.Key}:{e.Sequence}: settlement price '{e.PriceFixed.SettlementPrice}' of {market.Symbol} must be positive");
        }

        var value = ValueAtExpiry(market, price);
        await ledger.OnExpiryAsync(new ExpiryInput(market.Symbol, price, value, VaultInputs.Time(e.TimeUnixNanos),
            new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence)), cancellationToken);
    }

    /// <summary>What one unit settles at, as margin's SettleExpiry values it: a future at the price, an option at its intrinsic value.</summary>
    public static decimal ValueAtExpiry(MarketDefinition market, decimal settlementPrice) => market.Kind switch
    {
        MarketKind.Future => settlementPrice,
        MarketKind.Option when market.Right == OptionRight.Call => Math.Max(settlementPrice - market.Strike!.Value, 0m),
        MarketKind.Option => Math.Max(market.Strike!.Value - settlementPrice, 0m),
        _ => throw new FormatException($"{market.Symbol} is a perpetual: it has no expiry to settle"),
    };
}

/// <summary>The named system accounts of ledger.proto a fee share can be paid from.</summary>
internal static class LedgerSystemAccounts
{
    public const string FeePool = "system:fee-pool";
    public const string InsuranceFund = "system:insurance-fund";
}

/// <summary>
/// Liquidation: positions handed to this vault (TransferredToVault), and the vault's own positions liquidation closes
/// outside the book (AdlExecuted naming the vault as counterparty or as the deleveraged account, TransferredToFund of
/// the vault's account), as margin closes them. Liquidation fees are not counted here: the vault's
/// share of them is paid by settlement out of the insurance fund and arrives on margin's ledger (MarginLedgerInput).
/// </summary>
public sealed class LiquidationInput(VaultLedger ledger)
{
    public async Task HandleAsync(KafkaInboundMessage<LiquidationEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = VaultInputs.Time(e.TimeUnixNanos);
        switch (e.EventCase)
        {
            case LiquidationEvent.EventOneofCase.AdlExecuted when e.AdlExecuted.CounterpartyAccountId == ledger.Rules.AccountId || e.AccountId == ledger.Rules.AccountId:
                // Margin closes both the deleveraged position and the counterparty's at the ADL price; either may be the vault's.
                var adl = e.AdlExecuted;
                await ledger.OnForcedCloseAsync(new ForcedCloseInput(adl.Market, ForcedCloseCause.Adl, Math.Abs(VaultInputs.Amount(adl.Size, "adl size")),
                    VaultInputs.Amount(adl.Price, "adl price"), $"{e.LiquidationId}#{e.Sequence}", at, source), cancellationToken);
                break;
            case LiquidationEvent.EventOneofCase.TransferredToFund when e.AccountId == ledger.Rules.AccountId:
                // The vault itself was liquidated: the fund takes its position over at the bankruptcy price.
                var toFund = e.TransferredToFund;
                await ledger.OnForcedCloseAsync(new ForcedCloseInput(toFund.Market, ForcedCloseCause.InsuranceTakeover, Math.Abs(VaultInputs.Amount(toFund.Size, "size")),
                    VaultInputs.Amount(toFund.BankruptcyPrice, "bankruptcy price"), $"{e.LiquidationId}#{e.Sequence}", at, source), cancellationToken);
                break;
            case LiquidationEvent.EventOneofCase.TransferredToVault when e.TransferredToVault.VaultId == ledger.Rules.VaultId:
                var t = e.TransferredToVault;
                // The liquidated account trades `side`; the vault takes the other side at the bankruptcy price.
                await ledger.OnTakeoverAsync(new TakeoverInput(e.LiquidationId, e.AccountId, t.Market, t.Side == Side.Buy ? VaultSide.Sell : VaultSide.Buy,
                    VaultInputs.Amount(t.Size, "size"), VaultInputs.Amount(t.BankruptcyPrice, "bankruptcy price"), VaultInputs.Amount(t.MarkPrice, "mark price"),
                    at, source), cancellationToken);
                break;
        }
    }
}

/// <summary>The trading account the vault quotes as (empty when quoting is off).</summary>
public sealed record VaultAccount(string Id);
