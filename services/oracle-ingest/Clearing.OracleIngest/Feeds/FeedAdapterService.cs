using Clearing.OracleIngest.Application;

namespace Clearing.OracleIngest.Feeds;

/// <summary>Runs every configured feed adapter and hands its reports to the ingestion, one adapter per task.</summary>
public sealed class FeedAdapterService(IEnumerable<IPriceFeedAdapter> adapters, OracleIngestion ingestion, ILogger<FeedAdapterService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(adapters.Select(adapter => Task.Run(() => RunAsync(adapter, stoppingToken), CancellationToken.None)));

    private async Task RunAsync(IPriceFeedAdapter adapter, CancellationToken stoppingToken)
    {
        var (accepted, refused) = (0L, 0L);
        try
        {
            await foreach (var feed in adapter.ReadAsync(stoppingToken))
            {
                var decided = await ingestion.ReceivePriceAsync(feed.Report, feed.Origin, stoppingToken);
                if (decided.Events.Count > 0 && decided.Events[0] is Domain.ReportRefused refusal)
                {
                    refused++;
                    logger.LogDebug("{Adapter}: report refused ({Reason}): {Detail}", adapter.Name, refusal.Reason, refusal.Detail);
                }
                else
                {
                    accepted++;
                }
            }

            logger.LogInformation("{Adapter}: finished, {Accepted} accepted and {Refused} refused", adapter.Name, accepted, refused);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogInformation("{Adapter}: stopped after {Accepted} accepted and {Refused} refused", adapter.Name, accepted, refused);
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            // A broken recording or feed stops only this adapter; publishers and other adapters carry on.
            logger.LogError(e, "{Adapter}: stopped: {Message}", adapter.Name, e.Message);
        }
    }
}
