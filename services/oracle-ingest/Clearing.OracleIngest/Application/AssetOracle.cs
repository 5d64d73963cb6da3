using Clearing.EventSourcing;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Integration;

namespace Clearing.OracleIngest.Application;

/// <summary>
/// One asset's oracle in this process: its state folded from "oracle-{asset}" and the version it was folded to. Every
/// decision runs under one lock against that state and is appended with that expected version, so two writers (a
/// second replica, a replay) can never interleave unseen: the loser gets WrongExpectedVersion, reloads and decides again.
/// </summary>
public sealed class AssetOracle(string asset, OracleParameters parameters, IEventStore store)
{
    private const int MaxAttempts = 5;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private OracleAssetState _state = OracleAssetState.Initial(asset);
    private long _version = -1;
    private bool _loaded;

    public string Asset { get; } = asset;

    public OracleParameters Parameters { get; } = parameters;

    public string StreamId { get; } = StreamName.For(OracleStreams.Category, asset);

    /// <summary>The state as of the last decision (a snapshot for queries; decisions never use it outside the lock).</summary>
    public OracleAssetState State => Volatile.Read(ref _state);

    public long Version => Interlocked.Read(ref _version);

    /// <summary>Decides against the current state and appends the events; returns them and where they landed.</summary>
    public async Task<Decided> DecideAsync(Func<OracleAssetState, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (!_loaded)
                {
                    await LoadAsync(cancellationToken);
                }

                var events = decide(_state);
                if (events.Count == 0)
                {
                    return new Decided(events, [], _version);
                }

                var data = events.Select(e => OracleEventCodec.Encode(e)).ToList();
                try
                {
                    var result = await store.AppendAsync(StreamId, ExpectedVersion.From(_version), data, cancellationToken);
                    var state = _state;
                    foreach (var e in events)
                    {
                        state = OracleAsset.Evolve(Parameters, state, e);
                    }

                    Volatile.Write(ref _state, state);
                    Interlocked.Exchange(ref _version, result.NextExpectedVersion);
                    return new Decided(events, data.Select(d => d.EventId).ToList(), result.NextExpectedVersion);
                }
                catch (WrongExpectedVersionException) when (attempt < MaxAttempts)
                {
                    // Another writer appended to this asset: its reports may change the decision, so fold them in and decide again.
                    _loaded = false;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var state = OracleAssetState.Initial(Asset);
        var version = -1L;
        await foreach (var recorded in store.ReadStreamAsync(StreamId, ReadDirection.Forward, 0, int.MaxValue, cancellationToken))
        {
            state = OracleAsset.Evolve(Parameters, state, OracleEventCodec.Decode(recorded));
            version = recorded.StreamVersion;
        }

        Volatile.Write(ref _state, state);
        Interlocked.Exchange(ref _version, version);
        _loaded = true;
    }
}

/// <summary>Events a decision appended, their ids and the stream's version after them.</summary>
public sealed record Decided(IReadOnlyList<object> Events, IReadOnlyList<Guid> EventIds, long StreamVersion);

public static class OracleStreams
{
    public const string Category = "oracle";

    /// <summary>
    /// Where reports for assets without an oracle are refused. Lower case, so it can never be an asset's stream
    /// (asset symbols are upper case).
    /// </summary>
    public const string UnlistedAssets = "unlisted-assets";
}
