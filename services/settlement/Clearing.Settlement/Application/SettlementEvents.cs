using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.Settlement.Application;

// Private stored events of settlement (DESIGN §4): JSON, stable type names. Amounts are decimals (exact).

public sealed record StoredPosting(string AccountId, string Asset, string Amount);

/// <summary>A ledger entry consumed from clearing.margin.ledger.v1, stored in "epoch-{open epoch}" with its inbox coordinates.</summary>
[EventType("settlement.ledger-entry-received.v1")]
public sealed record LedgerEntryReceived(
    string EntryId,
    long Sequence,
    long TimeUnixNanos,
    int Kind,
    IReadOnlyList<StoredPosting> Postings,
    string Reference,
    string Market,
    string SourceStream,
    long SourceSequence);

public sealed record StoredShare(string AccountId, decimal Amount);

/// <summary>
/// A split at an epoch end (published as FeesDistributed; margin books it): the fee pool's by the configured shares, or
/// (<see cref="PaidFrom"/> = the insurance fund) the liquidation-fee share, taken of <see cref="LiquidationFeeBase"/> of
/// liquidation fees. Events stored before those fields read as the fee pool's split.
/// </summary>
[EventType("settlement.fees-distributed.v1")]
public sealed record FeesDistributedRecorded(long Epoch, string Asset, decimal Amount, IReadOnlyList<StoredShare> Shares, long AtUnixNanos, string? PaidFrom = null,
    decimal LiquidationFeeBase = 0m)
{
    public bool FromInsuranceFund => PaidFrom == Domain.Ledger.LedgerAccounts.InsuranceFund;

    /// <summary>The ledger entry's reference margin books it under.</summary>
    public string Reference => FromInsuranceFund
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"liquidation-fees-{Epoch}-{Asset}")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"fees-{Epoch}-{Asset}");

    public void ApplyTo(Domain.Ledger.SettlementLedger ledger)
    {
        if (FromInsuranceFund)
        {
            ledger.AnnounceLiquidationShare(Asset, Amount, LiquidationFeeBase);
        }
        else
        {
            ledger.AnnounceFees(Asset, Amount);
        }
    }
}

/// <summary>One asset's proof-of-liabilities root for an epoch (published as EpochClosed).</summary>
[EventType("settlement.epoch-asset-closed.v1")]
public sealed record EpochAssetClosed(
    long Epoch,
    long StartUnixNanos,
    long EndUnixNanos,
    string Asset,
    string RootHash,
    decimal TotalLiabilities,
    decimal TotalDeficits,
    long Accounts,
    long DeficitAccounts,
    long FirstLedgerSequence,
    long LastLedgerSequence,
    long RejectedEntries);

/// <summary>The epoch is closed: later ledger entries belong to the next one. Private; appended with the asset roots.</summary>
[EventType("settlement.epoch-sealed.v1")]
public sealed record EpochSealed(long Epoch, long LastLedgerSequence, string StatementDirectory, long Statements);

/// <summary>
/// A matching fill counted toward both accounts' 30-day volume (the fee tiers), stored in "epoch-{open epoch}" with the
/// inbox coordinates of the matching topic. Notional = price × quantity in the quote asset.
/// </summary>
[EventType("settlement.fill-volume-recorded.v1")]
public sealed record FillVolumeRecorded(string Market, string FillId, long TimeUnixNanos, string TakerAccountId, string MakerAccountId, decimal Notional, string SourceStream, long SourceSequence);

/// <summary>
/// Each account's fee tier from its 30-day volume at an epoch's end, under the fee schedule in force at that end:
/// <see cref="ParamsVersion"/> of set "fees" (-1 = the configured Settlement:Fees:Tiers), and when a governed version
/// was refused, why (<see cref="Refused"/>). The schedule itself is recorded, so a rebuild from the store gives the same
/// tiers and rates without the registry. Accounts not listed had no volume: tier 0. Appended with the epoch's close.
/// </summary>
[EventType("settlement.fee-tiers-assigned.v1")]
public sealed record FeeTiersAssigned(
    long Epoch,
    long AsOfUnixNanos,
    long ParamsVersion,
    string? Refused,
    IReadOnlyList<Domain.Fees.FeeTier> Schedule,
    IReadOnlyList<Domain.Fees.FeeTierAssignment> Accounts);

/// <summary>An index observation relevant to an instrument's settlement window, stored in "settlement-{instrument}".</summary>
[EventType("settlement.index-observed.v1")]
public sealed record IndexObserved(string Market, string Asset, long Sequence, long TimeUnixNanos, bool IsOk, decimal Price, string SourceStream, long SourceSequence);

/// <summary>The settlement price (published as SettlementPriceFixed: margin settles at it, matching closes the book).</summary>
[EventType("settlement.price-fixed.v1")]
public sealed record SettlementPriceFixedRecorded(string Market, decimal Price, decimal ExactAverage, long WindowStartUnixNanos, long WindowEndUnixNanos, int Samples, long CoveredNanos, long AtUnixNanos);

/// <summary>The window had too little fresh index to fix a price; an operator must act. Private, final, loud.</summary>
[EventType("settlement.fixing-failed.v1")]
public sealed record SettlementFixingFailed(string Market, string Reason, int Samples, long CoveredNanos, long AtUnixNanos);

/// <summary>The generated salt secret (only when Settlement:Epochs:SaltSecret is not configured).</summary>
[EventType("settlement.salt-secret-created.v1")]
public sealed record SaltSecretCreated(string SecretHex);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LedgerEntryReceived))]
[JsonSerializable(typeof(FeesDistributedRecorded))]
[JsonSerializable(typeof(EpochAssetClosed))]
[JsonSerializable(typeof(EpochSealed))]
[JsonSerializable(typeof(IndexObserved))]
[JsonSerializable(typeof(FillVolumeRecorded))]
[JsonSerializable(typeof(FeeTiersAssigned))]
[JsonSerializable(typeof(SettlementPriceFixedRecorded))]
[JsonSerializable(typeof(SettlementFixingFailed))]
[JsonSerializable(typeof(SaltSecretCreated))]
[JsonSerializable(typeof(Domain.Expiry.InstrumentExpiry))]
internal sealed partial class SettlementJsonContext : JsonSerializerContext;

public static class SettlementSerialization
{
    public static EventSerializer Serializer { get; } = new(
        new EventTypeMap().RegisterAssembly(typeof(SettlementSerialization).Assembly),
        new JsonSerializerOptions(SettlementJsonContext.Default.Options));
}
