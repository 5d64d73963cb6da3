using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Liquidation.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Consuming;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Vault.Application;
using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Integration;

/// <summary>
/// The vault's four inputs. Oracle prices feed an in-memory view (marks, index, status, volatility), rebuilt on every
/// start under a consumer group of its own. Margin's ledger (deposits into the vault's account), matching events and
/// liquidation events change the vault's books; repeats
/// are skipped by the inbox kept in the vault's state (source stream and sequence of each message).
/// </summary>
public static class VaultInputs
{
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
        services.AddSingleton<MatchingInput>();
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<MatchingEvent> { Name = "vault-matching", Topics = [Topics.MatchingEvents], Deserializer = new ProtobufPayloadDeserializer<MatchingEvent>() },
            sp => sp.GetRequiredService<MatchingInput>().HandleAsync);
        services.AddSingleton<MarginLedgerInput>();
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<LedgerEntry> { Name = "vault-ledger", Topics = [Topics.MarginLedger], Deserializer = new ProtobufPayloadDeserializer<LedgerEntry>() },
            sp => sp.GetRequiredService<MarginLedgerInput>().HandleAsync);
        services.AddSingleton<LiquidationInput>();
        services.AddKafkaConsumer(
            new KafkaConsumerDefinition<LiquidationEvent> { Name = "vault-liquidation", Topics = [Topics.LiquidationEvents], Deserializer = new ProtobufPayloadDeserializer<LiquidationEvent>() },
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
/// Fills: the vault's own side when one of its quotes traded (its trading account is the maker or taker), and its
/// share of every fill's net fee (taker fee + maker fee, a rebate being negative). Cancels and rejections of its
/// quotes take them out of the live view.
/// </summary>
public sealed class MatchingInput(VaultLedger ledger, LiveQuotes live, VaultAccount account)
{
    public async Task HandleAsync(KafkaInboundMessage<MatchingEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = VaultInputs.Time(e.TimeUnixNanos);
        switch (e.EventCase)
        {
            case MatchingEvent.EventOneofCase.Fill:
                var f = e.Fill;
                var quantity = VaultInputs.Amount(f.Quantity, "fill quantity");
                var price = VaultInputs.Amount(f.Price, "fill price");
                VaultFillInput? own = null;
                if (account.Id.Length > 0 && f.MakerAccountId == account.Id)
                {
                    own = new VaultFillInput(e.Market, f.FillId, f.MakerOrderId, f.TakerSide == Side.Buy ? VaultSide.Sell : VaultSide.Buy, quantity, price,
                        VaultInputs.Amount(f.MakerFee, "maker fee"), at, source);
                    live.Filled(e.Market, f.MakerOrderId, quantity);
                }
                else if (account.Id.Length > 0 && f.TakerAccountId == account.Id)
                {
                    own = new VaultFillInput(e.Market, f.FillId, f.TakerOrderId, f.TakerSide == Side.Buy ? VaultSide.Buy : VaultSide.Sell, quantity, price,
                        VaultInputs.Amount(f.TakerFee, "taker fee"), at, source);
                    live.Filled(e.Market, f.TakerOrderId, quantity);
                }

                var netFee = VaultInputs.Amount(f.TakerFee, "taker fee") + VaultInputs.Amount(f.MakerFee, "maker fee");
                var fee = netFee > 0 ? new FeeInput(FeeKind.Trading, e.Market, f.FillId, netFee, at, source) : null;
                if (own is not null || fee is not null)
                {
                    await ledger.OnMatchingFillAsync(own, fee, source, cancellationToken);
                }

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
/// Margin's ledger (one partition, gap-free sequence): a LEDGER_ENTRY_KIND_VAULT_DEPOSIT entry crediting the vault's account
/// is an LP deposit margin has already moved; the vault mints its shares (or returns it). Every other entry is skipped.
/// </summary>
public sealed class MarginLedgerInput(VaultLedger ledger)
{
    public async Task HandleAsync(KafkaInboundMessage<LedgerEntry> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        if (e.Kind != LedgerEntryKind.VaultDeposit)
        {
            return;
        }

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
}

/// <summary>Liquidation: positions handed to this vault (TransferredToVault), and the vault's share of liquidation fees.</summary>
public sealed class LiquidationInput(VaultLedger ledger)
{
    public async Task HandleAsync(KafkaInboundMessage<LiquidationEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = VaultInputs.Time(e.TimeUnixNanos);
        switch (e.EventCase)
        {
            case LiquidationEvent.EventOneofCase.TransferredToVault when e.TransferredToVault.VaultId == ledger.Rules.VaultId:
                var t = e.TransferredToVault;
                // The liquidated account trades `side`; the vault takes the other side at the bankruptcy price.
                await ledger.OnTakeoverAsync(new TakeoverInput(e.LiquidationId, e.AccountId, t.Market, t.Side == Side.Buy ? VaultSide.Sell : VaultSide.Buy,
                    VaultInputs.Amount(t.Size, "size"), VaultInputs.Amount(t.BankruptcyPrice, "bankruptcy price"), VaultInputs.Amount(t.MarkPrice, "mark price"),
                    at, source), cancellationToken);
                break;
            case LiquidationEvent.EventOneofCase.SliceFilled when VaultInputs.Amount(e.SliceFilled.LiquidationFee, "liquidation fee") > 0:
                await ledger.OnFeeAsync(new FeeInput(FeeKind.Liquidation, e.SliceFilled.Market, e.SliceFilled.FillId,
                    VaultInputs.Amount(e.SliceFilled.LiquidationFee, "liquidation fee"), at, source), cancellationToken);
                break;
        }
    }
}

/// <summary>The trading account the vault quotes as (empty when quoting is off).</summary>
public sealed record VaultAccount(string Id);
