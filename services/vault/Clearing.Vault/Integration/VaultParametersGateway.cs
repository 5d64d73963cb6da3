using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Clearing.Parameters;
using Clearing.Parameters.Consuming;
using Clearing.ServiceDefaults.Configuration;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Domain.Quoting;
using Microsoft.Extensions.Options;

namespace Clearing.Vault.Integration;

/// <summary>
/// The vault's caps (the caps Hyperliquid put on HLP after JELLY, REFERENCE.md §Liquidation): LPs' net deposits in
/// total and per LP, the notional of the vault's position in any one market, and its gross notional over NAV.
/// </summary>
public sealed record VaultCaps(decimal MaxTotalDeposits, decimal MaxDepositPerAccount, decimal MaxPositionNotionalPerMarket, decimal MaxLeverage)
{
    /// <summary>The genesis file's "vault" set: $50M in total, $1M per LP, $20M per market, 5× leverage.</summary>
    public static VaultCaps Default { get; } = new(50_000_000m, 1_000_000m, 20_000_000m, 5m);

    public static VaultCaps From(VaultParameters governed) =>
        new(governed.MaxTotalDeposits, governed.MaxDepositPerAccount, governed.MaxPositionNotionalPerMarket, governed.MaxLeverage);

    /// <summary>Governance's bounds on the set, and the one thing only the vault knows: a per-LP cap below the minimum deposit admits no deposit at all.</summary>
    public IReadOnlyList<string> Validate(VaultRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var problems = new VaultParameters(MaxTotalDeposits, MaxDepositPerAccount, MaxPositionNotionalPerMarket, MaxLeverage).Validate().ToList();
        if (MaxDepositPerAccount < rules.MinimumDeposit)
        {
            problems.Add($"vault: maxDepositPerAccount {Text(MaxDepositPerAccount)} is below the vault's minimum deposit {Text(rules.MinimumDeposit)}: no deposit could be admitted");
        }

        return problems;
    }

    internal static string Text(decimal value) => value.ToString("0.########", CultureInfo.InvariantCulture);
}

/// <summary>The caps a decision used: the registry's version (-1 = configuration) and, when a governed version was refused, why.</summary>
public sealed record VaultCapsInForce(VaultCaps Caps, long ParamsVersion, string? Refused)
{
    public string Source => ParamsVersion < 0 ? "configured" : $"params-vault version {ParamsVersion.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Section "Vault:Caps": the caps until the registry has a "vault" version in force (and whenever the version in force is
/// refused). Unset keys take <see cref="VaultCaps.Default"/>, the genesis values, so a fresh stack behaves the same
/// with or without governance.
/// </summary>
public sealed class VaultCapsOptions : IValidatableObject
{
    public const string Section = "Vault:Caps";

    public decimal? MaxTotalDeposits { get; set; }

    public decimal? MaxDepositPerAccount { get; set; }

    public decimal? MaxPositionNotionalPerMarket { get; set; }

    public decimal? MaxLeverage { get; set; }

    public VaultCaps ToCaps() => new(
        MaxTotalDeposits ?? VaultCaps.Default.MaxTotalDeposits,
        MaxDepositPerAccount ?? VaultCaps.Default.MaxDepositPerAccount,
        MaxPositionNotionalPerMarket ?? VaultCaps.Default.MaxPositionNotionalPerMarket,
        MaxLeverage ?? VaultCaps.Default.MaxLeverage);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        ToCaps().Validate(new VaultRules { VaultId = "caps" }).Select(problem => new ValidationResult($"{Section}: {problem}"));
}

/// <summary>
/// Governance → vault: the registry's "vault" set in force at the time of the input being decided replaces the
/// configured caps (<see cref="VaultCapsOptions"/>). A deposit is checked at its own time (its margin ledger entry's
/// time, which VaultDeposited records) inside the books' decision, against the state it is decided on, so two deposits
/// racing for the last room under a cap cannot both pass; one beyond a cap is returned to the LP (DepositReturned, the
/// reason naming the cap and the version), and a replay of the stream re-decides nothing, so a later cap never changes
/// a rebuilt book. A quoting pass applies the caps at its own time: each market's exposure cap is cut
/// to the per-market notional cap and to what the leverage cap leaves after the other markets' notional. A governed set
/// the vault cannot use (<see cref="VaultCaps.Validate"/>) is refused with a logged reason; the configured caps stay.
/// </summary>
public sealed class VaultParametersGateway(ParameterFeed feed, VaultCaps configured, VaultRules rules, ILogger<VaultParametersGateway> logger)
{
    private long _lastRefused = -1;

    public VaultCaps Configured => configured;

    /// <summary>Completes when the registry's stored versions are folded (before the first deposit is decided).</summary>
    public Task WhenLoaded(CancellationToken cancellationToken) => feed.WhenLoaded(cancellationToken);

    /// <summary>The caps in force for an input stamped <paramref name="time"/>.</summary>
    public VaultCapsInForce At(DateTimeOffset time)
    {
        var version = feed.At(ParameterSets.Vault, time);
        var inForce = At(version, configured, rules);
        if (inForce.Refused is not null && version!.Version != Interlocked.Exchange(ref _lastRefused, version.Version))
        {
            logger.LogWarning("Governed vault caps refused ({Reason}); the configured caps stay", inForce.Refused);
        }

        return inForce;
    }

    /// <summary>The governed caps of <paramref name="version"/> when the vault can use them, else <paramref name="configured"/> with the reason. Pure.</summary>
    public static VaultCapsInForce At(ParameterVersion? version, VaultCaps configured, VaultRules rules)
    {
        ArgumentNullException.ThrowIfNull(configured);
        if (version is not { Parameters: VaultParameters governed })
        {
            return new VaultCapsInForce(configured, -1, null);
        }

        var caps = VaultCaps.From(governed);
        var problems = caps.Validate(rules);
        return problems.Count > 0
            ? new VaultCapsInForce(configured, -1, $"params-vault version {version.Version}: {string.Join("; ", problems)}")
            : new VaultCapsInForce(caps, version.Version, null);
    }

    /// <summary>
    /// Why a deposit booked at its ledger time must be returned under the caps in force then, or null when it fits. The
    /// books call it inside their decision (VaultBook.OnDepositBooked), so a refusal is a returned deposit with this reason.
    /// </summary>
    public string? DepositRefusal(VaultState state, string lp, decimal amount, string reference, DateTimeOffset at) =>
        DepositRefusal(state, lp, amount, reference, At(at));

    /// <summary>
    /// Net deposits = deposited − withdrawn (per LP at least zero: profits taken out do not make room for someone
    /// else). A repeat of a booked reference is not checked: the books answer it as already done. Pure.
    /// </summary>
    public static string? DepositRefusal(VaultState state, string lp, decimal amount, string reference, VaultCapsInForce inForce)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(inForce);
        if (state.DepositReferences.Contains(reference) || amount <= 0)
        {
            return null;
        }

        var caps = inForce.Caps;
        var own = state.Holdings.TryGetValue(lp, out var holding) ? Net(holding) : 0m;
        if (own + amount > caps.MaxDepositPerAccount)
        {
            return $"Deposit of {VaultCaps.Text(amount)} refused: {lp}'s net deposits would be {VaultCaps.Text(own + amount)}, above maxDepositPerAccount {VaultCaps.Text(caps.MaxDepositPerAccount)} {state.Asset} ({inForce.Source}).";
        }

        var total = state.Holdings.Values.Sum(Net);
        return total + amount > caps.MaxTotalDeposits
            ? $"Deposit of {VaultCaps.Text(amount)} refused: the vault's net deposits would be {VaultCaps.Text(total + amount)}, above maxTotalDeposits {VaultCaps.Text(caps.MaxTotalDeposits)} {state.Asset} ({inForce.Source})."
            : null;
    }

    /// <summary>A market's quote parameters with its exposure cap cut to the caps in force at <paramref name="now"/>.</summary>
    public QuoteParameters Limit(QuoteParameters parameters, VaultState state, IReadOnlyDictionary<string, decimal> marks, decimal nav, DateTimeOffset now) =>
        Limit(parameters, state, marks, nav, At(now).Caps);

    /// <summary>
    /// MaxNotional becomes the smallest of itself, the per-market cap, and MaxLeverage × NAV less the notional the vault
    /// holds in every other market (at their marks; a market without a mark counts nothing here, and NAV already
    /// refuses to exist without one). Pure.
    /// </summary>
    public static QuoteParameters Limit(QuoteParameters parameters, VaultState state, IReadOnlyDictionary<string, decimal> marks, decimal nav, VaultCaps caps)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(caps);
        var elsewhere = 0m;
        foreach (var (market, position) in state.Positions)
        {
            if (market != parameters.Market && position.Size != 0 && marks.TryGetValue(market, out var mark))
            {
                elsewhere += Math.Abs(position.Size * mark);
            }
        }

        var leverageRoom = Math.Max(0m, caps.MaxLeverage * Math.Max(0m, nav) - elsewhere);
        var cap = Math.Min(parameters.MaxNotional, Math.Min(caps.MaxPositionNotionalPerMarket, leverageRoom));
        return cap == parameters.MaxNotional ? parameters : parameters with { MaxNotional = cap };
    }

    private static decimal Net(LpHolding holding) => Math.Max(0m, holding.Deposited - holding.Withdrawn);
}

public static class VaultParametersServiceCollectionExtensions
{
    /// <summary>
    /// Governance's parameters for the vault: the registry feed (clearing.governance.params.v1 into the vault's store,
    /// folded before the consumers registered after it start), the configured caps ("Vault:Caps") and the gateway.
    /// </summary>
    public static IHostApplicationBuilder AddVaultParameters(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<VaultCapsOptions>(VaultCapsOptions.Section);
        builder.Services.AddGovernanceParameters();
        builder.Services.AddSingleton(sp => new VaultParametersGateway(
            sp.GetRequiredService<ParameterFeed>(),
            sp.GetRequiredService<IOptions<VaultCapsOptions>>().Value.ToCaps(),
            sp.GetRequiredService<VaultRules>(),
            sp.GetRequiredService<ILogger<VaultParametersGateway>>()));
        return builder;
    }
}
