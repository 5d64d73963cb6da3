using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// Margin's accounts as the service would load them, folded from stored events with the domain's own type map and
/// <see cref="AccountDecider.Evolve"/> (no host involved): the state `replay` diffs, `stress` revalues and time travel shows.
/// Events of other streams (ledger-main, snapshots' neighbours) are ignored; an unknown stored type in an account
/// stream fails loudly, naming the stream and version, because skipping it would silently fold a wrong state.
/// </summary>
internal sealed class MarginStoreFold
{
    public const string AccountPrefix = MarginEventTypes.AccountCategory + "-";

    // Keyed by stream id (the reader shares those strings), so folding an event is one lookup and no substring.
    private readonly Dictionary<string, Slot> _streams = new(StringComparer.Ordinal);
    private Dictionary<string, (Account State, long Version)>? _accounts;
    private readonly MarginDecoder _decoder;

    public MarginStoreFold(MarginDecoder? decoder = null) => _decoder = decoder ?? new MarginDecoder();

    /// <summary>Owner → (account, stream version), for every account stream seen.</summary>
    public IReadOnlyDictionary<string, (Account State, long Version)> Accounts =>
        _accounts ??= _streams.Values.ToDictionary(slot => slot.Owner, slot => (slot.State, slot.Version), StringComparer.Ordinal);

    private sealed class Slot(string owner)
    {
        public string Owner { get; } = owner;

        public Account State { get; set; } = Account.Empty(owner);

        public long Version { get; set; }
    }

    public long EventsFolded { get; private set; }

    public const string MessageAppliedType = "margin.message-applied.v1";

    public static bool IsAccountStream(string streamId) => streamId.StartsWith(AccountPrefix, StringComparison.Ordinal);

    public static string OwnerOf(string streamId) => streamId[AccountPrefix.Length..];

    public void Apply(RecordedEvent recorded) => Apply(recorded, null);

    /// <summary>Folds <paramref name="recorded"/>; <paramref name="decoded"/> is its event when a read stage decoded it already.</summary>
    public void Apply(RecordedEvent recorded, object? decoded)
    {
        if (!IsAccountStream(recorded.StreamId))
        {
            return;
        }

        if (!_streams.TryGetValue(recorded.StreamId, out var slot))
        {
            _streams.Add(recorded.StreamId, slot = new Slot(OwnerOf(recorded.StreamId)));
        }
        slot.State = AccountDecider.Evolve(slot.State, decoded ?? _decoder.Decode(recorded));
        slot.Version = recorded.StreamVersion;
        _accounts = null;
        EventsFolded++;
    }

    /// <summary>One stream's events in order, folded (time travel).</summary>
    public static Account FoldStream(string streamId, IEnumerable<RecordedEvent> events) =>
        events.Aggregate(Account.Empty(OwnerOf(streamId)), (state, recorded) => AccountDecider.Evolve(state, Deserialize(recorded)));

    public static object Deserialize(RecordedEvent recorded)
    {
        try
        {
            // Every consumed message leaves an inbox record, so they are about half of a margin store: read them directly.
            if (recorded.Type == MessageAppliedType && MarginDecoder.TryReadMessageApplied(recorded.Data.Span, out var applied))
            {
                return applied;
            }
            return MarginEventTypes.Serializer.Deserialize(recorded);
        }
        catch (Exception ex) when (ex is UnknownEventTypeException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException(
                $"{recorded.StreamId} version {recorded.StreamVersion} (position {recorded.GlobalPosition}): stored event '{recorded.Type}' cannot be read as a margin event: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Every account stream of a store, folded (offline `stress`, `verify`); <paramref name="alsoSee"/> is shown each
    /// event after it is folded, for callers that gather more from the same pass (stress takes its marks there).
    /// </summary>
    public static async Task<MarginStoreFold> LoadAsync(IEventStore store, CancellationToken cancellationToken, Action<RecordedEvent>? alsoSee = null)
    {
        var fold = new MarginStoreFold();
        var position = 1L;
        while (true)
        {
            var read = 0;
            await foreach (var recorded in store.ReadAllAsync(position, 4096, MarginEventTypes.AccountCategory, cancellationToken))
            {
                read++;
                position = recorded.GlobalPosition + 1;
                fold.Apply(recorded);
                alsoSee?.Invoke(recorded);
            }
            if (read < 4096)
            {
                return fold;
            }
        }
    }
}

/// <summary>
/// Decodes each stored event once for every projection of one replay: the projections see the same
/// <see cref="RecordedEvent"/> one after another, so remembering the last one saves the second deserialization.
/// The two events that make up most of a margin store (the inbox record and PositionChanged) are read by hand
/// (<see cref="MarginFastReader"/>); every other type, and any shape the fast path does not recognise, goes through
/// margin's own serializer. One instance per thread.
/// </summary>
internal sealed class MarginDecoder
{
    public const string PositionChangedType = "margin.position-changed.v1";

    private readonly MarginFastReader? _fast;
    private MarginFastReader? _ledgerReader;
    private RecordedEvent? _last;
    private object? _decoded;

    /// <param name="readPositionsByHand">false: PositionChanged goes through the serializer too (the path before the
    /// hand reader, kept so the benchmark and the tests compare both in one run).</param>
    public MarginDecoder(bool readPositionsByHand = true) => _fast = readPositionsByHand ? new MarginFastReader() : null;

    public object Decode(RecordedEvent recorded)
    {
        if (!ReferenceEquals(recorded, _last))
        {
            _decoded = Read(recorded);
            _last = recorded;
        }
        return _decoded!;
    }

    /// <summary>The event as margin's serializer would return it (no memory of the last one: the replay's read stage).</summary>
    public object Read(RecordedEvent recorded)
    {
        if (recorded.Type == MarginStoreFold.MessageAppliedType && TryReadMessageApplied(recorded.Data.Span, out var applied))
        {
            return applied;
        }
        if (_fast is not null && recorded.Type == PositionChangedType && _fast.TryReadPositionChanged(recorded.Data.Span, out var changed))
        {
            return changed;
        }
        return MarginStoreFold.Deserialize(recorded);
    }

    /// <summary>A ledger-main event's entry (<see cref="MarginLedgerProjection.ReadEntry"/>), always read by hand when it can be.</summary>
    public LedgerEntryRecorded ReadLedgerEntry(RecordedEvent recorded) =>
        MarginLedgerProjection.ReadEntry(recorded, _fast ?? (_ledgerReader ??= new MarginFastReader()));

    /// <summary>{"sourceStream":"…","sourceSequence":n} (camelCase, as MarginEventTypes writes it); false for anything else.</summary>
    public static bool TryReadMessageApplied(ReadOnlySpan<byte> json, out MessageApplied applied)
    {
        applied = null!;
        var reader = new System.Text.Json.Utf8JsonReader(json);
        string? stream = null;
        long? sequence = null;
        if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject)
        {
            return false;
        }
        while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("sourceStream"u8) && reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String)
            {
                stream = reader.GetString();
            }
            else if (reader.ValueTextEquals("sourceSequence"u8) && reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.Number)
            {
                sequence = reader.GetInt64();
            }
            else
            {
                return false;
            }
        }
        if (reader.TokenType != System.Text.Json.JsonTokenType.EndObject || stream is null || sequence is null)
        {
            return false;
        }
        applied = new MessageApplied(stream, sequence.Value);
        return true;
    }
}
