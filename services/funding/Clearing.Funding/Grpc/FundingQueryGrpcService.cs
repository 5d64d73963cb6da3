using System.Globalization;
using Clearing.Contracts.Funding.V1;
using Clearing.EventSourcing;
using Clearing.Funding.Application;
using Clearing.Funding.Integration;
using Clearing.ServiceDefaults.Operations;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;

namespace Clearing.Funding.Grpc;

/// <summary>
/// clearing.funding.v1.FundingQuery: funding history is public market data, so traders, operators and services may
/// read it. Answered from the funding-{market} stream, newest first, each rate exactly as the relay publishes it.
/// </summary>
[Callers(Caller.Trader, Caller.Operator, Caller.Service)]
public sealed class FundingQueryGrpcService(FundingMarkets markets, FundingStreams streams) : FundingQuery.FundingQueryBase
{
    public const int DefaultLimit = 24;
    public const int MaxLimit = 1_000;

    public override async Task<GetFundingHistoryReply> GetFundingHistory(GetFundingHistoryRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Market))
        {
            throw OperatorInput.Invalid("market must be set, e.g. \"BTC-PERP\"");
        }

        if (!markets.Parameters.TryGetValue(request.Market, out var parameters))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"market '{request.Market}' is not a funded perpetual; funded: {string.Join(", ", markets.Parameters.Keys)}"));
        }

        if (request.Limit is < 0 or > MaxLimit)
        {
            throw OperatorInput.Invalid($"limit must be 0..{MaxLimit} (0 means {DefaultLimit}), got {request.Limit}");
        }

        if (request.BeforeUnixNanos < 0)
        {
            throw OperatorInput.Invalid($"before_unix_nanos must be 0 (no bound) or a positive Unix time in nanoseconds, got {request.BeforeUnixNanos}");
        }

        var limit = request.Limit == 0 ? DefaultLimit : request.Limit;
        var reply = new GetFundingHistoryReply { Market = request.Market };
        var cancellationToken = context.CancellationToken;
        await foreach (var recorded in streams.Store.ReadStreamAsync(FundingStreams.StreamIdOf(request.Market), ReadDirection.Backward, -1, int.MaxValue, cancellationToken))
        {
            if (recorded.Type != FundingRateFixedV1.TypeName)
            {
                continue;
            }

            var rate = (FundingRateFixedV1)FundingStoredEvents.Serializer.Deserialize(recorded);
            if (request.BeforeUnixNanos != 0 && rate.IntervalEndUnixNanos >= request.BeforeUnixNanos)
            {
                continue;
            }

            reply.Rates.Add(FundingOutboxTranslator.ToProto(rate));
            if (reply.Rates.Count >= limit)
            {
                break;
            }
        }

        var state = await streams.LoadAsync(request.Market, cancellationToken);
        if (state.HasOpenInterval)
        {
            reply.OpenInterval = new OpenFundingInterval
            {
                IntervalStartUnixNanos = state.OpenIntervalStartUnixNanos,
                IntervalEndUnixNanos = state.OpenIntervalStartUnixNanos + (parameters.Interval.Ticks * 100),
                Samples = state.Samples,
                PremiumAverage = Domain.FundingRate.Average(state.PremiumSum, state.Samples).ToString(CultureInfo.InvariantCulture),
                LastSampleUnixNanos = state.LastSampleUnixNanos,
            };
        }

        return reply;
    }
}
