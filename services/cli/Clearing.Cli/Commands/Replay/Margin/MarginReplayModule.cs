using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka.Outbox;
using Microsoft.Data.Sqlite;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// `clearing replay --service margin`: folds account streams with the domain (time travel), rebuilds the account
/// risk read model's store-decided fields and the numbered ledger (ledger-main) from the account events, and reads the
/// live ones (margin's state store file beside its event store; the ledger-main stream) to diff against.
/// </summary>
internal sealed class MarginReplayModule : IReplayModule
{
    public string Service => "margin";

    // Margin's translator lives in its host (it maps to the public protobuf contracts); republishing margin goes --raw.
    public IOutboxTranslator? Translator => null;

    /// <summary>What <see cref="Fold"/> shows: an owner's account, or the ledger's balances by account and asset.</summary>
    public IReadOnlyList<string> FoldedStreams => ["account-{owner}", MarginLedgerProjection.LedgerStream];

    /// <summary>
    /// Runs on the replay's read stage (its own thread, its own decoder); non-account streams are left to the projections.
    /// ledger-main's entries too: the read stage (SQLite and the account events) is the busier of the two, and the fold
    /// stage had time to spare for them (CPU profile of a 1.75M-event store, session 6).
    /// </summary>
    public object? Decode(RecordedEvent recorded) =>
        MarginStoreFold.IsAccountStream(recorded.StreamId) ? (_readStage ??= new MarginDecoder()).Read(recorded) : null;

    // Created on first use by the read stage's thread and only used there.
    private MarginDecoder? _readStage;

    public IReadOnlyList<IReplayProjection> CreateProjections()
    {
        var decoder = new MarginDecoder();
        return [new MarginAccountsProjection(decoder), new MarginLedgerProjection(decoder)];
    }

    public JsonNode? Fold(string streamId, IReadOnlyList<RecordedEvent> events)
    {
        if (MarginStoreFold.IsAccountStream(streamId))
        {
            var account = MarginStoreFold.FoldStream(streamId, events);
            return JsonSerializer.SerializeToNode(account, MarginEventTypes.Options);
        }
        if (streamId == MarginLedgerProjection.LedgerStream)
        {
            return MarginLedgerProjection.Balances(events.Select(e => (LedgerEntryRecorded)MarginStoreFold.Deserialize(e)));
        }
        return null;
    }
}

/// <summary>
/// The account risk read model (key account-risk:{accountId}, one row per sub-account of a non-system owner, as
/// margin's AccountBook writes it), limited to what the store decides (<see cref="MarginRows.RiskRow(long, SubAccount)"/>).
/// </summary>
internal sealed class MarginAccountsProjection(MarginDecoder? decoder = null) : IReplayProjection
{
    private readonly MarginStoreFold _fold = new(decoder);

    public string Name => "account-risk";

    public MarginStoreFold Fold => _fold;

    public void Apply(RecordedEvent recorded) => _fold.Apply(recorded);

    public void Apply(RecordedEvent recorded, object? decoded) => _fold.Apply(recorded, decoded);

    public IReadOnlyDictionary<string, JsonNode> Rows
    {
        get
        {
            var rows = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
            foreach (var (owner, (state, version)) in _fold.Accounts)
            {
                if (SystemAccounts.IsSystem(owner))
                {
                    continue;
                }
                foreach (var sub in state.SubAccounts.Values)
                {
                    rows[MarginRows.RiskKeyPrefix + state.AccountIdOf(sub.Number)] = MarginRows.RiskRow(version, sub);
                }
            }
            return rows;
        }
    }

    public async Task<IReadOnlyDictionary<string, JsonNode>?> ReadLiveAsync(ReplaySources sources, CancellationToken cancellationToken)
    {
        if (sources.ServiceDataDirectory is not { } directory)
        {
            return null;
        }
        // The embedded state store's file (Clearing.Dapr SqliteStateStore.PathFor): read-only, so a running margin is not disturbed.
        var path = Path.Combine(directory.FullName, "state-margin-risk.db");
        if (!File.Exists(path))
        {
            return null;
        }
        var rows = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await using (connection)
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT key, value FROM state WHERE key LIKE 'account-risk:%' ORDER BY key";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = reader.GetString(0);
                var view = JsonNode.Parse(reader.GetString(1))
                    ?? throw new InvalidDataException($"{path}: row '{key}' holds no JSON");
                rows[key] = MarginRows.RiskRow(view);
            }
        }
        return rows;
    }
}

/// <summary>
/// The numbered ledger: every ledger line of every money-moving account event, in global store order, numbered from 1
/// (what margin's LedgerProjector appends to ledger-main). Live rows are ledger-main itself: its entries are captured as
/// the fold passes over them (the diff then needs no second read of the stream, see <see cref="ICapturesLiveRows"/>).
/// </summary>
internal sealed class MarginLedgerProjection : IReplayProjection, ICapturesLiveRows
{
    public const string LedgerStream = "ledger-main";

    public const string LedgerEntryType = "margin.ledger-entry-recorded.v1";

    private readonly MarginDecoder _decoder;

    // A million-event rebuild keeps hundreds of thousands of entries until they are written and diffed: see CompactLedger.
    private readonly CompactLedger _ledger;

    // ledger-main's entries as the fold met them, numbering names in the rebuilt ledger's table so the diff compares numbers.
    private readonly CompactLedger _captured;

    public MarginLedgerProjection(MarginDecoder? decoder = null)
    {
        _decoder = decoder ?? new MarginDecoder();
        _ledger = new CompactLedger();
        _captured = new CompactLedger(_ledger.Names);
    }

    public string Name => "ledger";

    /// <summary>The rebuilt entries in sequence order, as margin's LedgerProjector records them.</summary>
    public IEnumerable<LedgerEntryRecorded> Entries
    {
        get
        {
            for (var i = 0; i < _ledger.Count; i++)
            {
                yield return _ledger.EntryAt(i);
            }
        }
    }

    public int Count => _ledger.Count;

    public void Apply(RecordedEvent recorded) => Apply(recorded, null);

    public void Apply(RecordedEvent recorded, object? decoded)
    {
        if (recorded.StreamId == LedgerStream)
        {
            // The live side of the diff, kept as the fold meets it ($all holds a stream's events in stream order).
            _captured.Add(decoded as LedgerEntryRecorded ?? _decoder.ReadLedgerEntry(recorded));
            return;
        }
        if (!MarginStoreFold.IsAccountStream(recorded.StreamId) || !IsMoneyType(recorded.Type))
        {
            return;
        }
        if ((decoded ?? _decoder.Decode(recorded)) is not IMovesMoney money)
        {
            return;
        }
        var lines = money.LedgerLines;
        for (var i = 0; i < lines.Count; i++)
        {
            _ledger.Add(lines[i], i, money.AccountId, recorded.Timestamp, recorded.StreamId, recorded.StreamVersion, recorded.GlobalPosition);
        }
    }

    /// <summary>A ledger-main event's entry: by hand when it has the shape margin writes, else through margin's serializer.</summary>
    internal static LedgerEntryRecorded ReadEntry(RecordedEvent recorded, MarginFastReader fast) =>
        recorded.Type == LedgerEntryType && fast.TryReadLedgerEntry(recorded.Data.Span, out var entry)
            ? entry
            : MarginStoreFold.Deserialize(recorded) as LedgerEntryRecorded
                ?? throw new InvalidDataException($"{recorded.StreamId} version {recorded.StreamVersion} (position {recorded.GlobalPosition}): stored event '{recorded.Type}' is not a ledger entry.");

    public ReplayRunner.DiffResult DiffWithCaptured(int maxListed) => CapturedLedgerDiff.Diff(Name, _ledger, _captured, maxListed);

    // Risk events and inbox records never move money: skipping them by type saves their deserialization on long replays.
    private static bool IsMoneyType(string type) =>
        type is not ("margin.risk-event-recorded.v1" or MarginStoreFold.MessageAppliedType);

    public IReadOnlyDictionary<string, JsonNode> Rows
    {
        get
        {
            var rows = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
            foreach (var entry in Entries)
            {
                rows[MarginRows.LedgerKey(entry.Sequence)] = MarginRows.LedgerRow(entry);
            }
            return rows;
        }
    }

    /// <summary>Entries are numbered in fold order and keys are zero-padded numbers, so fold order is key order.</summary>
    public IEnumerable<ReplayRow> RowsInKeyOrder()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using var writer = new Utf8JsonWriter(buffer);
        for (var i = 0; i < _ledger.Count; i++)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            _ledger.WriteRow(i, writer);
            writer.Flush();
            yield return new ReplayRow(MarginRows.LedgerKey(_ledger.SequenceAt(i)), buffer.WrittenMemory);
        }
    }

    public async Task<IReadOnlyDictionary<string, JsonNode>?> ReadLiveAsync(ReplaySources sources, CancellationToken cancellationToken)
    {
        if (sources.Store is not { } store)
        {
            return null;
        }
        var rows = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        await foreach (var recorded in store.ReadStreamAsync(LedgerStream, ReadDirection.Forward, 0, cancellationToken: cancellationToken))
        {
            var entry = (LedgerEntryRecorded)MarginStoreFold.Deserialize(recorded);
            rows[MarginRows.LedgerKey(entry.Sequence)] = MarginRows.LedgerRow(entry);
        }
        return rows;
    }

    /// <summary>ledger-main in stream order (the diff checks that its sequences, hence its keys, only go up).</summary>
    public Task<IAsyncEnumerable<ReplayRow>?> ReadLiveInKeyOrderAsync(ReplaySources sources, CancellationToken cancellationToken) =>
        Task.FromResult(sources.Store is { } store ? ReadLedgerMain(store, cancellationToken) : null);

    private static async IAsyncEnumerable<ReplayRow> ReadLedgerMain(IEventStore store,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        await using var writer = new Utf8JsonWriter(buffer);
        // Its own reader: this runs on the diff's read-ahead stage. An entry of another shape goes through the serializer.
        var fast = new MarginFastReader();
        await foreach (var recorded in store.ReadStreamAsync(LedgerStream, ReadDirection.Forward, 0, cancellationToken: cancellationToken))
        {
            var entry = ReadEntry(recorded, fast);
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            MarginRows.WriteLedgerRow(writer, entry);
            await writer.FlushAsync(cancellationToken);
            yield return new ReplayRow(MarginRows.LedgerKey(entry.Sequence), buffer.WrittenMemory);
        }
    }

    /// <summary>Balances per ledger account and asset after <paramref name="entries"/> (time travel over ledger-main).</summary>
    public static JsonObject Balances(IEnumerable<LedgerEntryRecorded> entries)
    {
        var balances = new SortedDictionary<string, SortedDictionary<string, decimal>>(StringComparer.Ordinal);
        long count = 0, last = 0;
        foreach (var entry in entries)
        {
            count++;
            last = entry.Sequence;
            foreach (var posting in entry.Postings)
            {
                if (!balances.TryGetValue(posting.AccountId, out var assets))
                {
                    balances[posting.AccountId] = assets = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
                }
                assets[posting.Asset] = assets.GetValueOrDefault(posting.Asset) + posting.Amount;
            }
        }
        return new JsonObject
        {
            ["entries"] = count,
            ["lastSequence"] = last,
            ["balances"] = new JsonObject(balances.Select(a => KeyValuePair.Create(a.Key,
                (JsonNode?)new JsonObject(a.Value.Select(b => KeyValuePair.Create(b.Key, (JsonNode?)MarginRows.Text(b.Value))))))),
        };
    }
}
