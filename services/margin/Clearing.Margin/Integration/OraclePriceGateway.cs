using Clearing.Contracts.Oracle.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Options;
using Clearing.Messaging.Kafka;
using Microsoft.Extensions.Logging;

namespace Clearing.Margin.Integration;

/// <summary>
/// Reads clearing.oracle.prices.v1: takes the index (STALE or CIRCUIT_BREAKER marks it stale: valued at zero for new
/// risk), the marks and the SVI surface into the price book, then revalues the accounts that hold the asset's markets
/// or the asset as collateral.
/// </summary>
public sealed class OraclePriceGateway(AccountBook book, ILogger<OraclePriceGateway> logger)
{
    private const double TicksPerYear = TimeSpan.TicksPerDay * 365.0;

    public async Task HandleAsync(KafkaInboundMessage<PriceUpdate> message, CancellationToken cancellationToken)
    {
        var update = message.Payload;
        var at = ContractText.FromUnixNanos(update.TimeUnixNanos);
        var stale = update.Status != PriceStatus.Ok;
        // Before the oracle's first quorum a STALE update has no last good value to repeat (the stack's first seconds):
        // there is nothing to value with, which is not a malformed message. An OK update must carry its index.
        decimal? index = stale && string.IsNullOrEmpty(update.IndexPrice) ? null : ContractText.Required(update.IndexPrice, "index_price");
        var marks = update.Marks.Select(m => (m.Market, Mark: ContractText.Optional(m.MarkPrice_, $"marks[{m.Market}].mark_price"))).ToList();
        var surface = SurfaceOf(update, at);
        var applied = book.Prices.TryApply(update.Asset, update.Sequence, prices =>
        {
            var held = index ?? (prices.Assets.TryGetValue(update.Asset, out var last) ? last.Index : (decimal?)null);
            if (held is not { } value)
            {
                return prices;
            }

            var next = prices.WithIndex(update.Asset, value, stale, update.Sequence, at);
            foreach (var (market, mark) in marks)
            {
                if (mark is { } markValue)
                {
                    next = next.WithMark(market, markValue);
                }
            }

            return surface is null ? next : next.WithSurface(update.Asset, surface);
        });
        if (applied)
        {
            await book.RevalueAsync(update.Asset, update.Sequence, at, cancellationToken);
        }
    }

    private VolatilitySurface? SurfaceOf(PriceUpdate update, DateTimeOffset at)
    {
        if (update.VolSurface is null || update.VolSurface.Slices.Count == 0)
        {
            return null;
        }

        try
        {
            var slices = update.VolSurface.Slices
                .Select(s => (Years: (ContractText.FromUnixNanos(s.ExpiryUnixNanos) - at).Ticks / TicksPerYear, Slice: s))
                .Where(s => s.Years > 0)
                .Select(s => new SviSlice(s.Years, s.Slice.A, s.Slice.B, s.Slice.Rho, s.Slice.M, s.Slice.Sigma))
                .ToList();
            return slices.Count == 0 ? null : new VolatilitySurface(slices);
        }
        catch (ArgumentException ex)
        {
            // A surface that fails the arbitrage checks is not used; options stay margined on the previous one.
            logger.LogWarning(ex, "Oracle surface for {Asset} (sequence {Sequence}) refused: {Reason}", update.Asset, update.Sequence, ex.Message);
            return null;
        }
    }
}
