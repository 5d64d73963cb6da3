using System.Text.Json.Serialization;

namespace Clearing.Parameters;

/// <summary>The classes of parameters; each has its own timelocks (genesis "timelocks").</summary>
public enum ParameterKind
{
    Market,
    Oracle,
    Fees,
    Insurance,
    Vault,
}

/// <summary>
/// One validated, typed parameter set: the whole value of stream <c>params-{SetId}</c> at one version. A proposal
/// replaces a set as a whole (never a patch), so what governors sign is exactly what comes into force.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(MarketParameters), "market")]
[JsonDerivedType(typeof(OracleParameters), "oracle")]
[JsonDerivedType(typeof(FeeSchedule), "fees")]
[JsonDerivedType(typeof(InsuranceParameters), "insurance")]
[JsonDerivedType(typeof(VaultParameters), "vault")]
public abstract record ParameterSet
{
    [JsonIgnore]
    public abstract ParameterKind Kind { get; }

    /// <summary>"market-BTC-PERP", "oracle", "fees", "insurance", "vault": the stream is <c>params-{SetId}</c>.</summary>
    [JsonIgnore]
    public abstract string SetId { get; }

    /// <summary>Rules on the set alone, each broken rule a reason naming the field.</summary>
    public abstract IEnumerable<string> Validate();

    /// <summary>Rules that involve other sets in force (a market's maker rebate against the fee schedule's bound).</summary>
    public virtual IEnumerable<string> ValidateAgainst(IReadOnlyDictionary<string, ParameterSet> registry) => [];

    /// <summary>Every field that differs from <paramref name="previous"/>, each with its risk direction.</summary>
    public abstract IReadOnlyList<FieldChange> ChangesFrom(ParameterSet previous);
}

/// <summary>
/// Whether a change adds risk to the venue. "Loosening" is defined per field (docs in each set): lower margin, a
/// wider band, a lower quorum, a new publisher key, higher caps, lower fees. Loosening changes wait the longer
/// timelock and are never emergency actions.
/// </summary>
public enum ChangeDirection
{
    Tightening,
    Loosening,
}

/// <summary>One field of one set that a proposal changes; <see cref="Field"/> is a path such as "marginTiers[0].maintenanceMarginFraction".</summary>
public sealed record FieldChange(string Field, string Old, string New, ChangeDirection Direction);

/// <summary>Names of parameter sets and the shape of their ids.</summary>
public static class ParameterSets
{
    public const string Oracle = "oracle";
    public const string Fees = "fees";
    public const string Insurance = "insurance";
    public const string Vault = "vault";
    public const string MarketPrefix = "market-";

    /// <summary>The stream category: stream <c>params-{set}</c>.</summary>
    public const string StreamCategory = "params";

    public static string MarketSet(string market) => MarketPrefix + market;

    public static string StreamOf(string setId) => $"{StreamCategory}-{setId}";

    /// <summary>Null when <paramref name="setId"/> names a set; otherwise why not.</summary>
    public static string? Problem(string? setId)
    {
        if (string.IsNullOrEmpty(setId))
        {
            return "set id must be set (\"market-BTC-PERP\", \"oracle\", \"fees\", \"insurance\" or \"vault\")";
        }

        if (setId is Oracle or Fees or Insurance or Vault)
        {
            return null;
        }

        return setId.StartsWith(MarketPrefix, StringComparison.Ordinal) && MarketParameters.MarketProblem(setId[MarketPrefix.Length..]) is null
            ? null
            : $"set id '{setId}' is not a parameter set: use \"market-<SYMBOL>\" (e.g. market-BTC-PERP), \"oracle\", \"fees\", \"insurance\" or \"vault\"";
    }
}
