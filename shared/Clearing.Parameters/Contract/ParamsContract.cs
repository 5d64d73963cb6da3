using System.Globalization;
using Proto = Clearing.Contracts.Governance.V1;

namespace Clearing.Parameters;

/// <summary>A public message that cannot be mapped to parameters; the message names the field.</summary>
public sealed class ParamsContractException(string message) : Exception(message);

/// <summary>
/// Domain ↔ public protobuf (clearing/governance/v1/params.proto). Decimals travel as exact invariant strings in
/// their canonical form (no trailing zeros); times as Unix nanoseconds.
/// </summary>
public static class ParamsContract
{
    public static Proto.ParamsChanged ToProto(long version, ParametersChanged change)
    {
        var message = new Proto.ParamsChanged
        {
            SetId = change.SetId,
            Version = version,
            EffectiveAtUnixNanos = ParameterTime.UnixNanos(change.EffectiveAt),
            ExecutedAtUnixNanos = ParameterTime.UnixNanos(change.ExecutedAt),
            ProposalId = change.ProposalId,
            Cause = change.Cause switch
            {
                ChangeCause.Genesis => Proto.ChangeCause.Genesis,
                ChangeCause.Proposal => Proto.ChangeCause.Proposal,
                _ => Proto.ChangeCause.Emergency,
            },
            Parameters = ToProto(change.Parameters),
        };
        message.Changes.AddRange(change.Changes.Select(ToProto));
        return message;
    }

    public static ParametersChanged ToDomain(Proto.ParamsChanged message)
    {
        var parameters = ToDomain(message.Parameters ?? throw new ParamsContractException($"ParamsChanged {message.SetId}@{message.Version} has no parameters"));
        if (parameters.SetId != message.SetId)
        {
            throw new ParamsContractException($"ParamsChanged set_id '{message.SetId}' does not match its parameters ('{parameters.SetId}')");
        }

        return new ParametersChanged(
            message.SetId,
            parameters,
            ParameterTime.FromUnixNanos(message.EffectiveAtUnixNanos),
            ParameterTime.FromUnixNanos(message.ExecutedAtUnixNanos),
            message.ProposalId,
            message.Cause switch
            {
                Proto.ChangeCause.Genesis => ChangeCause.Genesis,
                Proto.ChangeCause.Proposal => ChangeCause.Proposal,
                Proto.ChangeCause.Emergency => ChangeCause.Emergency,
                _ => throw new ParamsContractException($"ParamsChanged {message.SetId}@{message.Version} has no cause"),
            },
            message.Changes.Select(ToDomain).ToList());
    }

    public static Proto.FieldChange ToProto(FieldChange change) => new()
    {
        Field = change.Field,
        OldValue = change.Old,
        NewValue = change.New,
        Direction = change.Direction == ChangeDirection.Loosening ? Proto.ChangeDirection.Loosening : Proto.ChangeDirection.Tightening,
    };

    public static FieldChange ToDomain(Proto.FieldChange change) =>
        new(change.Field, change.OldValue, change.NewValue, change.Direction == Proto.ChangeDirection.Loosening ? ChangeDirection.Loosening : ChangeDirection.Tightening);

    public static Proto.ParameterSet ToProto(ParameterSet parameters)
    {
        var set = new Proto.ParameterSet();
        switch (parameters)
        {
            case MarketParameters m:
                set.Market = new Proto.MarketParameters
                {
                    Market = m.Market,
                    PriceBandFraction = Text(m.PriceBandFraction),
                    MakerFee = Text(m.MakerFee),
                    TakerFee = Text(m.TakerFee),
                    FundingCapPerInterval = Text(m.FundingCapPerInterval),
                    FundingIntervalSeconds = m.FundingIntervalSeconds,
                    Halted = m.Halted,
                };
                set.Market.MarginTiers.AddRange(m.MarginTiers.Select(t => new Proto.MarginTier
                {
                    UpToNotional = t.UpToNotional is { } bound ? Text(bound) : "",
                    InitialMarginFraction = Text(t.InitialMarginFraction),
                    MaintenanceMarginFraction = Text(t.MaintenanceMarginFraction),
                }));
                break;
            case OracleParameters o:
                set.Oracle = new Proto.OracleParameters
                {
                    Quorum = o.Quorum,
                    MadK = Text(o.MadK),
                    CircuitBreakerBand = Text(o.CircuitBreakerBand),
                    MaxStalenessSeconds = o.MaxStalenessSeconds,
                };
                set.Oracle.Publishers.AddRange(o.Publishers.Select(p => new Proto.OraclePublisher { Id = p.Id, PublicKey = p.PublicKey }));
                break;
            case FeeSchedule f:
                set.Fees = new Proto.FeeSchedule { MaxMakerRebate = Text(f.MaxMakerRebate) };
                set.Fees.Tiers.AddRange(f.Tiers.Select(t => new Proto.FeeTier { MinVolume30D = Text(t.MinVolume30d), MakerFee = Text(t.MakerFee), TakerFee = Text(t.TakerFee) }));
                break;
            case InsuranceParameters i:
                set.Insurance = new Proto.InsuranceParameters
                {
                    MaxPayoutPerEvent = Text(i.MaxPayoutPerEvent),
                    MaxPayoutPerDay = Text(i.MaxPayoutPerDay),
                    LiquidationFeeFraction = Text(i.LiquidationFeeFraction),
                };
                break;
            case VaultParameters v:
                set.Vault = new Proto.VaultParameters
                {
                    MaxTotalDeposits = Text(v.MaxTotalDeposits),
                    MaxDepositPerAccount = Text(v.MaxDepositPerAccount),
                    MaxPositionNotionalPerMarket = Text(v.MaxPositionNotionalPerMarket),
                    MaxLeverage = Text(v.MaxLeverage),
                };
                break;
            default:
                throw new ParamsContractException($"{parameters.GetType().Name} has no public contract");
        }

        return set;
    }

    public static ParameterSet ToDomain(Proto.ParameterSet set) => set.KindCase switch
    {
        Proto.ParameterSet.KindOneofCase.Market => new MarketParameters(
            set.Market.Market,
            set.Market.MarginTiers.Select((t, i) => new MarginTier(
                t.UpToNotional.Length == 0 ? null : Number(t.UpToNotional, $"market.margin_tiers[{i}].up_to_notional"),
                Number(t.InitialMarginFraction, $"market.margin_tiers[{i}].initial_margin_fraction"),
                Number(t.MaintenanceMarginFraction, $"market.margin_tiers[{i}].maintenance_margin_fraction"))).ToList(),
            Number(set.Market.PriceBandFraction, "market.price_band_fraction"),
            Number(set.Market.MakerFee, "market.maker_fee"),
            Number(set.Market.TakerFee, "market.taker_fee"),
            Number(set.Market.FundingCapPerInterval, "market.funding_cap_per_interval"),
            set.Market.FundingIntervalSeconds,
            set.Market.Halted),
        Proto.ParameterSet.KindOneofCase.Oracle => new OracleParameters(
            set.Oracle.Publishers.Select(p => new OraclePublisher(p.Id, p.PublicKey)).ToList(),
            set.Oracle.Quorum,
            Number(set.Oracle.MadK, "oracle.mad_k"),
            Number(set.Oracle.CircuitBreakerBand, "oracle.circuit_breaker_band"),
            set.Oracle.MaxStalenessSeconds),
        Proto.ParameterSet.KindOneofCase.Fees => new FeeSchedule(
            set.Fees.Tiers.Select((t, i) => new FeeTier(
                Number(t.MinVolume30D, $"fees.tiers[{i}].min_volume_30d"),
                Number(t.MakerFee, $"fees.tiers[{i}].maker_fee"),
                Number(t.TakerFee, $"fees.tiers[{i}].taker_fee"))).ToList(),
            Number(set.Fees.MaxMakerRebate, "fees.max_maker_rebate")),
        Proto.ParameterSet.KindOneofCase.Insurance => new InsuranceParameters(
            Number(set.Insurance.MaxPayoutPerEvent, "insurance.max_payout_per_event"),
            Number(set.Insurance.MaxPayoutPerDay, "insurance.max_payout_per_day"),
            Number(set.Insurance.LiquidationFeeFraction, "insurance.liquidation_fee_fraction")),
        Proto.ParameterSet.KindOneofCase.Vault => new VaultParameters(
            Number(set.Vault.MaxTotalDeposits, "vault.max_total_deposits"),
            Number(set.Vault.MaxDepositPerAccount, "vault.max_deposit_per_account"),
            Number(set.Vault.MaxPositionNotionalPerMarket, "vault.max_position_notional_per_market"),
            Number(set.Vault.MaxLeverage, "vault.max_leverage")),
        _ => throw new ParamsContractException("parameters must hold one of market, oracle, fees, insurance or vault"),
    };

    private static string Text(decimal value) => Fields.Text(value);

    private static decimal Number(string text, string field) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ParamsContractException($"{field} '{text}' is not a decimal number such as \"0.05\"");
}
