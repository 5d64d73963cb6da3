using System.Globalization;
using Clearing.Contracts.Matching.V1;
using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;
using Clearing.Parameters;

namespace Clearing.Matching.Application;

/// <summary>
/// Governed parameters of this market (registry set <c>market-{symbol}</c>): the "default" fee tier's maker/taker rates,
/// the price band and the halted flag. Until a version is applied the book runs on its configuration (catalog rates and
/// band, <c>Matching:FeeTiers</c>); a version is applied as a stored <see cref="ParamsInput"/>, so where it took effect is
/// part of the book's history. Named fee tiers keep their configured rates; a rate a tier leaves unset follows the
/// default tier, governed or not.
/// </summary>
public sealed partial class MarketBook
{
    private const decimal BasisPoints = 10_000m;

    private long _paramsVersion = -1;
    private long _paramsEffectiveAt;
    private decimal _defaultMakerFee;
    private decimal _defaultTakerFee;
    private int _bandBps;
    private bool _governedHalt;

    /// <summary>The registry version of <c>market-{symbol}</c> this book applied last; -1 while it runs on configuration only.</summary>
    public long AppliedParamsVersion => _paramsVersion;

    /// <summary>Effective time (Unix ns) of <see cref="AppliedParamsVersion"/>.</summary>
    public long AppliedParamsEffectiveAt => _paramsEffectiveAt;

    /// <summary>The "default" tier's rates in force (fractions of notional).</summary>
    public (decimal Maker, decimal Taker) DefaultFees => (_defaultMakerFee, _defaultTakerFee);

    /// <summary>The price band in force, in basis points of the mark (0 = none).</summary>
    public int PriceBandBps => _bandBps;

    /// <summary>True while the applied governance version halts the market.</summary>
    public bool GovernedHalt => _governedHalt;

    /// <summary>
    /// The stored input that applies <paramref name="governed"/> (registry version <paramref name="version"/>, effective
    /// <paramref name="effectiveAt"/>) before an input stamped <paramref name="time"/>. Matching's own validation decides
    /// here, once: a fee pair that is not a whole millionth of notional, beyond ±10% or beyond the engine's exact fee
    /// arithmetic, or a band that is not a whole basis point in [0, 1), is left out (the value in force stays) and named in
    /// <see cref="ParamsInput.Refused"/>. The halted flag is always applied: a halt must never wait on a fee typo. Pure.
    /// </summary>
    public ParamsInput Admit(long version, DateTimeOffset effectiveAt, MarketParameters governed, long time)
    {
        var refused = new List<string>();
        string? maker = Format(governed.MakerFee), taker = Format(governed.TakerFee);
        try
        {
            var rates = _fees.RatesFor(Definition, governed.MakerFee, governed.TakerFee);
            (Spec with { FeeTiers = rates, PriceBandBps = _bandBps }).Validate(_engine.Config.FeeTierCount);
        }
        catch (ArgumentException e)
        {
            refused.Add($"makerFee {Format(governed.MakerFee)} / takerFee {Format(governed.TakerFee)}: {e.Message}");
            (maker, taker) = (null, null);
        }

        string? band = Format(governed.PriceBandFraction);
        var bps = governed.PriceBandFraction * BasisPoints;
        if (governed.PriceBandFraction is < 0 or >= 1 || bps % 1 != 0)
        {
            refused.Add($"priceBandFraction {Format(governed.PriceBandFraction)}: must be a whole number of basis points in [0, 1)");
            band = null;
        }

        return new ParamsInput(version, InstrumentMapping.UnixNanos(effectiveAt), time, maker, taker, band, governed.Halted,
            refused.Count == 0 ? null : string.Join("; ", refused));
    }

    private void InitialiseGovernance()
    {
        _defaultMakerFee = Definition.MakerFee;
        _defaultTakerFee = Definition.TakerFee;
        _bandBps = Spec.PriceBandBps;
    }

    private bool ApplyParams(ParamsInput p, List<MatchingEvent> output)
    {
        if (p.Version <= _paramsVersion)
        {
            return false;
        }
        _paramsVersion = p.Version;
        _paramsEffectiveAt = p.EffectiveAt;
        Tick(p.Time);
        if (p.MakerFee is not null && p.TakerFee is not null)
        {
            (_defaultMakerFee, _defaultTakerFee) = (Parse(p.MakerFee), Parse(p.TakerFee));
        }
        if (p.PriceBand is not null)
        {
            _bandBps = decimal.ToInt32(Parse(p.PriceBand) * BasisPoints);
        }
        PushTradingParameters();

        if (p.Halted != _governedHalt)
        {
            _governedHalt = p.Halted;
            var status = _engine.StatusOf(EngineMarket);
            if (p.Halted && status is MarketStatus.Open or MarketStatus.PreOpen)
            {
                _haltReason = string.Create(CultureInfo.InvariantCulture, $"halted by governance (market-{Market} version {p.Version})");
                Run(EngineCommand.MarketStatusChange(p.Time, EngineMarket, MarketStatus.Halted), "", null, output);
            }
            else if (!p.Halted && status == MarketStatus.Halted && _haltVersion < 0)
            {
                // An emergency halt (halt-{market}) has no resume yet: governance resuming does not lift it.
                Run(EngineCommand.MarketStatusChange(p.Time, EngineMarket, MarketStatus.Open), "", null, output);
            }
        }
        return true;
    }

    /// <summary>The engine's rates (every tier, the default one as governed) and band from what this book holds.</summary>
    private void PushTradingParameters() =>
        _engine.SetTradingParameters(EngineMarket, _fees.RatesFor(Definition, _defaultMakerFee, _defaultTakerFee), _bandBps);

    private string ResumeReason => string.Create(CultureInfo.InvariantCulture, $"resumed by governance (market-{Market} version {_paramsVersion})");

    private void HashGovernance(StateHasher h)
    {
        h.Add(_paramsVersion);
        h.Add(_paramsEffectiveAt);
        h.Add(decimal.ToInt64(_defaultMakerFee * 1_000_000m));
        h.Add(decimal.ToInt64(_defaultTakerFee * 1_000_000m));
        h.Add(_bandBps);
        h.Add(_governedHalt ? 1 : 0);
    }

    private void WriteGovernance(BinaryWriter w)
    {
        w.Write(_paramsVersion);
        w.Write(_paramsEffectiveAt);
        w.Write(Format(_defaultMakerFee));
        w.Write(Format(_defaultTakerFee));
        w.Write(_bandBps);
        w.Write(_governedHalt);
    }

    private void ReadGovernance(BinaryReader r)
    {
        _paramsVersion = r.ReadInt64();
        _paramsEffectiveAt = r.ReadInt64();
        _defaultMakerFee = Parse(r.ReadString());
        _defaultTakerFee = Parse(r.ReadString());
        _bandBps = r.ReadInt32();
        _governedHalt = r.ReadBoolean();
        if (_paramsVersion >= 0)
        {
            // The engine's state does not carry rates or band (they are settings); what governance set is applied again.
            PushTradingParameters();
        }
    }

    private static decimal Parse(string text) =>
        TryParse(text, out var value) ? value : throw new InvalidDataException($"'{text}' is not a decimal rate");
}
