using Clearing.EventSourcing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.ServiceDefaults.Operations;

/// <summary>
/// A projection fed from $all (or one category) by <see cref="EventSubscription"/>, resumable from its checkpoint
/// and rebuildable on an operator's request. Subclasses say how an event changes the read model and how to clear
/// it; register with <see cref="OperationsServiceCollectionExtensions.AddProjection{TProjection}"/>.
/// A failing handler is logged and retried from the checkpoint after a pause: a read model falls behind, it never
/// skips an event.
/// </summary>
public abstract partial class CatchUpProjection : BackgroundService, IRebuildableProjection
{
    private readonly IEventStore _store;
    private readonly ILogger _logger;
    private readonly SubscriptionOptions _subscription;
    private readonly Lock _gate = new();
    private CancellationTokenSource? _currentRun;
    private TaskCompletionSource<long>? _pendingRebuild;

    protected CatchUpProjection(IEventStore store, ILogger logger, string name, string? category = null)
    {
        _store = store;
        _logger = logger;
        _subscription = new SubscriptionOptions(name) { Category = category };
    }

    public string Name => _subscription.Name;

    /// <summary>How long to wait before retrying after a handler failure.</summary>
    protected virtual TimeSpan RetryDelay => TimeSpan.FromSeconds(2);

    /// <summary>Applies one event to the read model. Must be idempotent by <see cref="RecordedEvent.GlobalPosition"/> (a crash may re-deliver one).</summary>
    protected abstract ValueTask HandleAsync(RecordedEvent recorded, CancellationToken cancellationToken);

    /// <summary>Empties the read model before a rebuild.</summary>
    protected abstract Task ClearAsync(CancellationToken cancellationToken);

    public async Task<long> RebuildAsync(CancellationToken cancellationToken)
    {
        var request = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_pendingRebuild is not null)
            {
                throw new InvalidOperationException($"A rebuild of projection '{Name}' is already in progress.");
            }

            _pendingRebuild = request;
            _currentRun?.Cancel();
        }

        return await request.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await CompletePendingRebuildAsync(stoppingToken);
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            lock (_gate)
            {
                _currentRun = run;
                if (_pendingRebuild is not null)
                {
                    continue;
                }
            }

            try
            {
                await EventSubscription.RunAsync(_store, _subscription, HandleAsync, run.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // A rebuild cancelled this run; the loop resets and starts the next one.
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogHandlerFailed(_logger, ex, Name, RetryDelay.TotalSeconds);
                await Task.Delay(RetryDelay, stoppingToken);
            }
            finally
            {
                lock (_gate)
                {
                    _currentRun = null;
                }
            }
        }
    }

    private async Task CompletePendingRebuildAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<long>? request;
        lock (_gate)
        {
            request = _pendingRebuild;
        }

        if (request is null)
        {
            return;
        }

        try
        {
            var previous = await _store.Checkpoints.LoadAsync(Name, cancellationToken) ?? 0;
            await ClearAsync(cancellationToken);
            await _store.Checkpoints.SaveAsync(Name, 0, cancellationToken);
            LogRebuildStarted(_logger, Name, previous);
            request.TrySetResult(previous);
        }
        catch (Exception ex)
        {
            request.TrySetException(ex);
        }
        finally
        {
            lock (_gate)
            {
                _pendingRebuild = null;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Projection {Projection} failed; retrying from its checkpoint in {DelaySeconds} s")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string projection, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Projection {Projection} cleared and rewound from position {Previous} to the start")]
    private static partial void LogRebuildStarted(ILogger logger, string projection, long previous);
}
