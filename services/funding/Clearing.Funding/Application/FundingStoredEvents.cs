using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;
using Clearing.Funding.Domain;

namespace Clearing.Funding.Application;

/// <summary>Stored form of <see cref="PremiumSampled"/> in funding-{market} (private: never published).</summary>
[EventType(TypeName)]
public sealed record PremiumSampledV1(
    string Market,
    long SampledAtUnixNanos,
    long IntervalStartUnixNanos,
    decimal IndexPrice,
    decimal? MarkPrice,
    decimal? ImpactBid,
    decimal? ImpactAsk,
    decimal Premium)
{
    public const string TypeName = "funding.premium-sampled.v1";

    public static PremiumSampledV1 From(PremiumSampled e) =>
        new(e.Market, e.SampledAtUnixNanos, e.IntervalStartUnixNanos, e.IndexPrice, e.MarkPrice, e.ImpactBid, e.ImpactAsk, e.Premium);

    public PremiumSampled ToDomain() =>
        new(Market, SampledAtUnixNanos, IntervalStartUnixNanos, IndexPrice, MarkPrice, ImpactBid, ImpactAsk, Premium);
}

/// <summary>Stored form of <see cref="FundingRateFixed"/>; published as FundingEvent.rate_set on clearing.funding.events.v1.</summary>
[EventType(TypeName)]
public sealed record FundingRateFixedV1(
    string Market,
    long Sequence,
    long IntervalStartUnixNanos,
    long IntervalEndUnixNanos,
    int Samples,
    decimal PremiumAverage,
    decimal InterestComponent,
    decimal UncappedRate,
    decimal Rate,
    bool Capped,
    decimal Cap,
    decimal InterestRate,
    decimal IndexPrice,
    decimal? MarkPrice)
{
    public const string TypeName = "funding.rate-fixed.v1";

    public static FundingRateFixedV1 From(FundingRateFixed e) =>
        new(e.Market, e.Sequence, e.IntervalStartUnixNanos, e.IntervalEndUnixNanos, e.Samples, e.PremiumAverage, e.InterestComponent,
            e.UncappedRate, e.Rate, e.Capped, e.Cap, e.InterestRate, e.IndexPrice, e.MarkPrice);

    public FundingRateFixed ToDomain() =>
        new(Market, Sequence, IntervalStartUnixNanos, IntervalEndUnixNanos, Samples, PremiumAverage, InterestComponent,
            UncappedRate, Rate, Capped, Cap, InterestRate, IndexPrice, MarkPrice);
}

/// <summary>Between the domain's events and their stored forms, and the serializer of the funding store.</summary>
public static class FundingStoredEvents
{
    public static EventSerializer Serializer { get; } = new(
        new EventTypeMap().Register<PremiumSampledV1>().Register<FundingRateFixedV1>(),
        new JsonSerializerOptions(FundingJsonContext.Default.Options));

    public static object ToStored(object domainEvent) => domainEvent switch
    {
        PremiumSampled e => PremiumSampledV1.From(e),
        FundingRateFixed e => FundingRateFixedV1.From(e),
        _ => throw new ArgumentException($"{domainEvent.GetType().Name} is not a funding domain event", nameof(domainEvent)),
    };

    public static object ToDomain(object storedEvent) => storedEvent switch
    {
        PremiumSampledV1 e => e.ToDomain(),
        FundingRateFixedV1 e => e.ToDomain(),
        _ => throw new ArgumentException($"{storedEvent.GetType().Name} is not a stored funding event", nameof(storedEvent)),
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PremiumSampledV1))]
[JsonSerializable(typeof(FundingRateFixedV1))]
[JsonSerializable(typeof(FundingMarketState))]
internal sealed partial class FundingJsonContext : JsonSerializerContext;
