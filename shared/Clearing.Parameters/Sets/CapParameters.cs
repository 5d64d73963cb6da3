using System.Text.Json.Serialization;

namespace Clearing.Parameters;

/// <summary>
/// Insurance-fund caps (set "insurance"), after Drift's per-tier payout caps and dYdX's capped liquidation fee
/// (REFERENCE.md §Liquidation). Loosening: higher payout caps (a thin market pumped to drain the fund, the JELLY
/// lesson) and a lower liquidation fee to the fund.
/// </summary>
public sealed record InsuranceParameters(decimal MaxPayoutPerEvent, decimal MaxPayoutPerDay, decimal LiquidationFeeFraction) : ParameterSet
{
    [JsonIgnore]
    public override ParameterKind Kind => ParameterKind.Insurance;

    [JsonIgnore]
    public override string SetId => ParameterSets.Insurance;

    public override IEnumerable<string> Validate()
    {
        foreach (var reason in Fields.Between("maxPayoutPerEvent", MaxPayoutPerEvent, 0m, 1_000_000_000m)
            .Concat(Fields.Between("maxPayoutPerDay", MaxPayoutPerDay, 0m, 10_000_000_000m))
            .Concat(Fields.Between("liquidationFeeFraction", LiquidationFeeFraction, 0m, 0.05m)))
        {
            yield return $"insurance: {reason}";
        }

        if (MaxPayoutPerEvent > MaxPayoutPerDay)
        {
            yield return $"insurance: maxPayoutPerEvent {Fields.Text(MaxPayoutPerEvent)} is above maxPayoutPerDay {Fields.Text(MaxPayoutPerDay)}";
        }
    }

    public override IReadOnlyList<FieldChange> ChangesFrom(ParameterSet previous)
    {
        var old = (InsuranceParameters)previous;
        var changes = new List<FieldChange>();
        Fields.Compare(changes, "maxPayoutPerEvent", old.MaxPayoutPerEvent, MaxPayoutPerEvent, higherLoosens: true);
        Fields.Compare(changes, "maxPayoutPerDay", old.MaxPayoutPerDay, MaxPayoutPerDay, higherLoosens: true);
        Fields.Compare(changes, "liquidationFeeFraction", old.LiquidationFeeFraction, LiquidationFeeFraction, higherLoosens: false);
        return changes;
    }
}

/// <summary>
/// Liquidity-vault caps (set "vault"), the caps Hyperliquid added after JELLY (REFERENCE.md §Liquidation).
/// Loosening: any higher cap or leverage.
/// </summary>
public sealed record VaultParameters(decimal MaxTotalDeposits, decimal MaxDepositPerAccount, decimal MaxPositionNotionalPerMarket, decimal MaxLeverage) : ParameterSet
{
    [JsonIgnore]
    public override ParameterKind Kind => ParameterKind.Vault;

    [JsonIgnore]
    public override string SetId => ParameterSets.Vault;

    public override IEnumerable<string> Validate()
    {
        foreach (var reason in Fields.Between("maxTotalDeposits", MaxTotalDeposits, 0m, 10_000_000_000m, minExclusive: true)
            .Concat(Fields.Between("maxDepositPerAccount", MaxDepositPerAccount, 0m, 10_000_000_000m, minExclusive: true))
            .Concat(Fields.Between("maxPositionNotionalPerMarket", MaxPositionNotionalPerMarket, 0m, 10_000_000_000m))
            .Concat(Fields.Between("maxLeverage", MaxLeverage, 1m, 20m)))
        {
            yield return $"vault: {reason}";
        }

        if (MaxDepositPerAccount > MaxTotalDeposits)
        {
            yield return $"vault: maxDepositPerAccount {Fields.Text(MaxDepositPerAccount)} is above maxTotalDeposits {Fields.Text(MaxTotalDeposits)}";
        }
    }

    public override IReadOnlyList<FieldChange> ChangesFrom(ParameterSet previous)
    {
        var old = (VaultParameters)previous;
        var changes = new List<FieldChange>();
        Fields.Compare(changes, "maxTotalDeposits", old.MaxTotalDeposits, MaxTotalDeposits, higherLoosens: true);
        Fields.Compare(changes, "maxDepositPerAccount", old.MaxDepositPerAccount, MaxDepositPerAccount, higherLoosens: true);
        Fields.Compare(changes, "maxPositionNotionalPerMarket", old.MaxPositionNotionalPerMarket, MaxPositionNotionalPerMarket, higherLoosens: true);
        Fields.Compare(changes, "maxLeverage", old.MaxLeverage, MaxLeverage, higherLoosens: true);
        return changes;
    }
}
