using System.Security.Cryptography;
using System.Text;
using Clearing.Contracts.Governance.V1;
using Clearing.EventSourcing;
using Microsoft.Extensions.Logging;

namespace Clearing.Parameters.Consuming;

/// <summary>
/// A service's copy of the parameter registry: the <see cref="ParameterBook"/> folded from
/// clearing.governance.params.v1, kept in the service's own event store (stream <c>params-{set}</c>, stream version =
/// the set's version) before it is used, so a restarted service folds its store and starts from the parameters in
/// force without waiting for the topic, and the store — not the broker — is the record of what the service knew.
/// <para>
/// Consuming is idempotent: a version already held is skipped (the store's expected version is the inbox), a gap is
/// refused (<see cref="ParameterSequenceException"/>: retried, then dead-lettered by the consumer).
/// </para>
/// <para>
/// Services never ask "what is in force now": they call <see cref="At"/> with the time of the input they are
/// processing (a price update's time, a fill's time), so the first input whose time is at or after a version's
/// effective time is the first one processed with it, live and in a replay alike. A version that arrives after the
/// service already processed inputs past its effective time cannot be applied retroactively; that is logged as a
/// late arrival (proposals give an effective time ahead of execution to avoid it).
/// </para>
/// </summary>
public sealed class ParameterFeed(IEventStore store, ILogger<ParameterFeed> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ParameterBook _book = ParameterBook.Empty;
    private long _latestInputTicks = long.MinValue;

    /// <summary>Every version of every set this service holds.</summary>
    public ParameterBook Book => _book;

    public bool IsLoaded => _loaded.Task.IsCompletedSuccessfully;

    /// <summary>Versions that arrived after an input at or past their effective time had been processed.</summary>
    public long LateArrivals { get; private set; }

    public Task WhenLoaded(CancellationToken cancellationToken) => _loaded.Task.WaitAsync(cancellationToken);

    /// <summary>Folds every stored <c>params-*</c> stream (at start, before the service consumes anything else).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                var book = ParameterBook.Empty;
                await foreach (var recorded in store.ReadAllAsync(1, int.MaxValue, ParameterSets.StreamCategory, cancellationToken))
                {
                    book = book.Apply(recorded.StreamVersion, (ParametersChanged)ParametersJson.Serializer.Deserialize(recorded));
                }

                _book = book;
            }
            finally
            {
                _gate.Release();
            }

            logger.LogInformation("Governance parameters loaded from the store: {Sets} sets ({Versions} versions)",
                _book.SetIds.Count(), _book.Histories.Sum(h => h.Versions.Count));
            _loaded.TrySetResult();
        }
        catch (Exception ex)
        {
            _loaded.TrySetException(ex);
            throw;
        }
    }

    /// <summary>
    /// Stores and folds one consumed version. False when the version is already held (a redelivery or a republish
    /// after a broker restart); throws when it does not follow the held version or cannot be mapped.
    /// </summary>
    public async Task<bool> ApplyAsync(ParamsChanged message, CancellationToken cancellationToken)
    {
        await WhenLoaded(cancellationToken);
        var change = ParamsContract.ToDomain(message);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (message.Version <= _book.VersionOf(change.SetId))
            {
                return false;
            }

            // Folding first refuses a gap or an effective time that goes backwards before anything is stored.
            var next = _book.Apply(message.Version, change);
            var stream = ParameterSets.StreamOf(change.SetId);
            try
            {
                await store.AppendAsync(stream, ExpectedVersion.From(message.Version - 1),
                    [ParametersJson.Serializer.Serialize(change, eventId: EventIdOf(change.SetId, message.Version))], cancellationToken);
            }
            catch (WrongExpectedVersionException)
            {
                // Another process sharing this store stored it first: fold what the store holds instead.
                next = await ReloadAsync(stream, cancellationToken);
            }

            _book = next;
            if (change.EffectiveAt.UtcTicks <= Interlocked.Read(ref _latestInputTicks))
            {
                LateArrivals++;
                logger.LogWarning("params-{Set} version {Version} (effective {Effective:O}) arrived after inputs up to {Latest:O} were processed: it applies from the next input",
                    change.SetId, message.Version, change.EffectiveAt, new DateTimeOffset(Interlocked.Read(ref _latestInputTicks), TimeSpan.Zero));
            }
            else
            {
                logger.LogInformation("params-{Set} version {Version} ({Cause}, {Changes} changes) in force from {Effective:O}",
                    change.SetId, message.Version, change.Cause, change.Changes.Count, change.EffectiveAt);
            }

            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The version of <paramref name="setId"/> in force for an input stamped <paramref name="inputTime"/>; null when
    /// none was yet (the service's configured values apply).
    /// </summary>
    public ParameterVersion? At(string setId, DateTimeOffset inputTime)
    {
        Observe(inputTime);
        return _book.At(setId, inputTime);
    }

    /// <summary>Records that an input stamped <paramref name="inputTime"/> is being processed (for late-arrival reports).</summary>
    public void Observe(DateTimeOffset inputTime)
    {
        var ticks = inputTime.UtcTicks;
        var seen = Interlocked.Read(ref _latestInputTicks);
        while (ticks > seen)
        {
            var previous = Interlocked.CompareExchange(ref _latestInputTicks, ticks, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private async Task<ParameterBook> ReloadAsync(string stream, CancellationToken cancellationToken)
    {
        var book = _book;
        await foreach (var recorded in store.ReadStreamAsync(stream, ReadDirection.Forward, 0, int.MaxValue, cancellationToken))
        {
            book = book.Apply(recorded.StreamVersion, (ParametersChanged)ParametersJson.Serializer.Deserialize(recorded));
        }

        return book;
    }

    /// <summary>A name-based id: the same set version always gets the same event id, so a retried append is a no-op.</summary>
    private static Guid EventIdOf(string setId, long version)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"params\n{setId}\n{version}")).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
