using System.Globalization;
using Clearing.Contracts.Vault.V1;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Accounting;
using Google.Protobuf;
using Stored = Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Integration;

/// <summary>
/// The edge between the vault's stored events (stream "vault-{id}") and clearing.vault.events.v1 (key = vault id):
/// deposits and returned deposits, withdrawals requested / cancelled / deferred / paid, NAV marks, backstop takeovers, fee
/// income booked from margin's ledger (and retired per-fill fee share accruals of old streams) and fees paid. Own fills stay private (matching publishes the fill itself). Pure: a republished event
/// gives the same message.
/// </summary>
public sealed class VaultOutboxTranslator : IOutboxTranslator
{
    public const string MessageType = "clearing.vault.event.v1";

    public IReadOnlyCollection<string> Topics { get; } = [Contracts.Topics.VaultEvents];

    public OutboundMessage? Translate(RecordedEvent recorded)
    {
        if (!recorded.Type.StartsWith("vault.", StringComparison.Ordinal) || recorded.Type == "vault.filled.v1")
        {
            return null;
        }

        var message = ToProto(VaultJsonContext.Serializer.Deserialize(recorded));
        return message is null ? null : OutboxMessages.For(recorded, Contracts.Topics.VaultEvents, key: message.VaultId, type: MessageType, payload: message.ToByteArray());
    }

    public static VaultEvent? ToProto(object stored)
    {
        switch (stored)
        {
            case Stored.VaultDeposited e:
                return Envelope(e.VaultId, e.At, m => m.Deposited = new Contracts.Vault.V1.VaultDeposited
                {
                    DepositId = e.Reference, LpAccountId = e.Lp, Asset = AssetOf(e.Postings), Amount = Text(e.Amount), SharesMinted = Text(e.SharesMinted),
                    NavBefore = Text(e.NavBefore), SharesBefore = Text(e.SharesBefore),
                });
            case Stored.DepositReturned e:
                return Envelope(e.VaultId, e.At, m => m.DepositReturned = new Contracts.Vault.V1.DepositReturned
                {
                    DepositId = e.Reference, LpAccountId = e.Lp, Asset = e.Asset, Amount = Text(e.Amount), Reason = e.Reason,
                });
            case Stored.WithdrawalRequested e:
                return Envelope(e.VaultId, e.RequestedAt, m => m.WithdrawalRequested = new Contracts.Vault.V1.WithdrawalRequested
                {
                    WithdrawalId = e.WithdrawalId, LpAccountId = e.Lp, Shares = Text(e.Shares), PayableAtUnixNanos = Nanos(e.PayableAt),
                });
            case Stored.WithdrawalCancelled e:
                return Envelope(e.VaultId, e.At, m => m.WithdrawalCancelled = new Contracts.Vault.V1.WithdrawalCancelled
                {
                    WithdrawalId = e.WithdrawalId, LpAccountId = e.Lp, Shares = Text(e.Shares), Reason = e.Reason,
                });
            case Stored.WithdrawalDeferred e:
                return Envelope(e.VaultId, e.At, m => m.WithdrawalDeferred = new Contracts.Vault.V1.WithdrawalDeferred
                {
                    WithdrawalId = e.WithdrawalId, LpAccountId = e.Lp, Amount = Text(e.Amount), FreeCollateral = Text(e.FreeCollateral),
                });
            case Stored.WithdrawalPaid e:
                return Envelope(e.VaultId, e.At, m => m.WithdrawalPaid = new Contracts.Vault.V1.WithdrawalPaid
                {
                    WithdrawalId = e.WithdrawalId, LpAccountId = e.Lp, Asset = AssetOf(e.Postings), Shares = Text(e.Shares), Amount = Text(e.Amount),
                    NavBefore = Text(e.NavBefore), SharesBefore = Text(e.SharesBefore),
                });
            case Stored.NavStruck e:
                return Envelope(e.VaultId, e.At, m => m.NavStruck = new Contracts.Vault.V1.NavStruck
                {
                    Collateral = Text(e.Collateral), UnrealizedPnl = Text(e.UnrealizedPnl), FeesOwed = Text(e.FeesOwed), Nav = Text(e.Nav), Shares = Text(e.Shares),
                    SharePrice = Text(e.SharePrice), TradingFeeIncome = Text(e.TradingFeeIncome), LiquidationFeeIncome = Text(e.LiquidationFeeIncome),
                    Funding = Text(e.Funding), LiquidationFeesPaid = Text(e.LiquidationFeesPaid),
                });
            case Stored.BackstopTakenOver e:
                return Envelope(e.VaultId, e.At, m => m.BackstopTakenOver = new Contracts.Vault.V1.BackstopTakenOver
                {
                    LiquidationId = e.LiquidationId, LiquidatedAccountId = e.LiquidatedAccountId, Market = e.Market, Side = e.Side == VaultSide.Buy ? "BUY" : "SELL",
                    Size = Text(e.Size), BankruptcyPrice = Text(e.BankruptcyPrice), MarkPrice = Text(e.MarkPrice), LossAtMark = Text(e.LossAtMark),
                    RealizedPnl = Text(e.RealizedPnl), SizeAfter = Text(e.SizeAfter),
                });
            case Stored.FeeShareAccrued e:
                return Envelope(e.VaultId, e.At, m => m.FeeShareAccrued = new Contracts.Vault.V1.FeeShareAccrued
                {
                    Kind = KindText(e.Kind), Fees = Text(e.Fee), Amount = Text(e.Amount), ShareRate = Text(e.ShareRate),
                    FeeIncomePerShareAfter = Text(e.FeeIncomePerShareAfter), FeeCount = 1, FromUnixNanos = Nanos(e.At), ToUnixNanos = Nanos(e.At),
                });
            case Stored.FeeIncomeBooked e:
                return Envelope(e.VaultId, e.At, m => m.FeeIncomeBooked = new Contracts.Vault.V1.FeeIncomeBooked
                {
                    Kind = KindText(e.Kind), Reference = e.Reference, Asset = e.Asset, Amount = Text(e.Amount), FeeIncomePerShareAfter = Text(e.FeeIncomePerShareAfter),
                    LedgerSequence = e.LedgerSequence, PaidFromAccountId = e.Postings.FirstOrDefault(p => p.Amount < 0)?.AccountId ?? string.Empty,
                });
            case Stored.FundingBooked e:
                return Envelope(e.VaultId, e.At, m => m.FundingBooked = new Contracts.Vault.V1.FundingBooked
                {
                    Market = e.Market, Reference = e.Reference, EntryId = e.EntryId, Asset = e.Asset, Amount = Text(e.Amount), FundingAfter = Text(e.FundingAfter),
                    LedgerSequence = e.LedgerSequence,
                });
            case Stored.LiquidationFeePaid e:
                return Envelope(e.VaultId, e.At, m => m.LiquidationFeePaid = new Contracts.Vault.V1.LiquidationFeePaid
                {
                    Market = e.Market, Reference = e.Reference, EntryId = e.EntryId, Asset = e.Asset, Amount = Text(e.Amount), LedgerSequence = e.LedgerSequence,
                    PaidToAccountId = e.Postings.FirstOrDefault(p => p.Amount > 0)?.AccountId ?? string.Empty,
                });
            case Stored.ExpirySettled e:
                return Envelope(e.VaultId, e.At, m => m.ExpirySettled = new Contracts.Vault.V1.ExpirySettled
                {
                    Market = e.Market, SettlementPrice = Text(e.SettlementPrice), Value = Text(e.Value), SizeBefore = Text(e.SizeBefore), RealizedPnl = Text(e.RealizedPnl),
                });
            case Stored.PositionForceClosed e:
                return Envelope(e.VaultId, e.At, m => m.PositionForceClosed = new Contracts.Vault.V1.PositionForceClosed
                {
                    Market = e.Market, Cause = e.Cause == ForcedCloseCause.Adl ? "ADL" : "INSURANCE_TAKEOVER", Reference = e.Reference, Quantity = Text(e.Quantity),
                    Price = Text(e.Price), RealizedPnl = Text(e.RealizedPnl), SizeAfter = Text(e.SizeAfter),
                });
            case Stored.DeficitCovered e:
                return Envelope(e.VaultId, e.At, m => m.DeficitCovered = new Contracts.Vault.V1.DeficitCovered
                {
                    Market = e.Market, Reference = e.Reference, EntryId = e.EntryId, Asset = e.Asset, Amount = Text(e.Amount), LedgerSequence = e.LedgerSequence,
                });
            case Stored.VaultFeesPaid e:
                return Envelope(e.VaultId, e.At, m => m.FeesPaid = new Contracts.Vault.V1.VaultFeesPaid { Amount = Text(e.Amount) });
            default:
                return null;
        }
    }

    private static VaultEvent Envelope(string vaultId, DateTimeOffset at, Action<VaultEvent> set)
    {
        var message = new VaultEvent { VaultId = vaultId, VaultAccountId = VaultRules.AccountIdFor(vaultId), TimeUnixNanos = Nanos(at) };
        set(message);
        return message;
    }

    internal static string KindText(FeeKind kind) => kind == FeeKind.Trading ? "TRADING" : "LIQUIDATION";

    /// <summary>The asset of the vault's own posting (every money event has one).</summary>
    private static string AssetOf(IReadOnlyList<VaultPosting> postings) => postings.Count > 0 ? postings[0].Asset : throw new InvalidOperationException("a money event without postings");

    internal static string Text(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    internal static long Nanos(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
