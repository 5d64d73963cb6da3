using System.Globalization;
using System.Text.Json;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// Ledger entries held until they are written and diffed: a million-event store keeps about a million. Used twice by a
/// margin replay: for the ledger rebuilt from the account events, and for ledger-main's entries captured as the fold
/// passes over them (the live side of the diff). Everything is kept in chunks of plain structs that hold no object
/// reference (names are numbers into a <see cref="LedgerNames"/> table, texts are slices of a shared character arena),
/// so a garbage collection has nothing in them to trace, no card to scan and nothing to promote; chunks are never
/// copied as the ledger grows. Measured on the 1M-event benchmark store, keeping entries as objects (or as structs
/// holding strings) cost most of the rebuild's gen0 pause time: every entry pointed at young strings from the large
/// object heap. Two ledgers that share one names table compare entries by number (<see cref="SameRow"/>).
/// Not thread-safe: the fold stage adds, the write/diff stage reads afterwards.
/// </summary>
internal sealed class CompactLedger(LedgerNames? names = null)
{
    private const int ChunkShift = 16;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ArenaChunk = 1 << 20;

    private readonly Chunked<Entry> _entries = new();
    private readonly Chunked<FlatPosting> _postings = new();
    private readonly List<char[]> _arena = [];
    private int _arenaUsed = ArenaChunk;
    private string? _lastReference;
    private Text _lastReferenceAt;

    /// <summary>A slice of the arena; <see cref="Derived"/> stands for an entry id margin derived from the entry's source.</summary>
    private readonly record struct Text(int Chunk, int Offset, int Length)
    {
        public static readonly Text Derived = new(0, 0, -1);

        public bool IsDerived => Length < 0;
    }

    private readonly record struct Entry(
        long Sequence, Text EntryId, LedgerKind Kind, Text Reference, int Market, int AccountId, DateTimeOffset At,
        int StreamId, long StreamVersion, long GlobalPosition, int LineIndex, long FirstPosting, int PostingCount);

    private readonly record struct FlatPosting(int AccountId, int Asset, decimal Amount);

    /// <summary>The names table: shared with another ledger so that <see cref="SameRow"/> compares names as numbers.</summary>
    public LedgerNames Names { get; } = names ?? new LedgerNames();

    public int Count => (int)_entries.Count;

    /// <summary>
    /// Appends one ledger line of a money-moving account event as margin's LedgerProjector would record it: numbered
    /// Count after the call, its id derived from its source.
    /// </summary>
    public void Add(LedgerLine line, int lineIndex, string accountId, DateTimeOffset at, string streamId, long streamVersion, long globalPosition)
    {
        _entries.Add(new Entry(_entries.Count + 1, Text.Derived, line.Kind, Reference(line.Reference), Names.Id(line.Market), Names.Id(accountId), at,
            Names.Id(streamId), streamVersion, globalPosition, lineIndex, _postings.Count, line.Postings.Count));
        AddPostings(line.Postings);
    }

    /// <summary>Appends an entry as it is stored (a ledger-main event): its own sequence and id, whatever they are.</summary>
    public void Add(LedgerEntryRecorded entry)
    {
        var id = IsDerivedId(entry) ? Text.Derived : Copy(entry.EntryId);
        _entries.Add(new Entry(entry.Sequence, id, entry.Kind, Reference(entry.Reference), Names.Id(entry.Market), Names.Id(entry.AccountId), entry.At,
            Names.Id(entry.SourceStream), entry.SourceVersion, entry.SourcePosition, entry.LineIndex, _postings.Count, entry.Postings.Count));
        AddPostings(entry.Postings);
    }

    private void AddPostings(IReadOnlyList<Posting> postings)
    {
        for (var p = 0; p < postings.Count; p++)
        {
            var posting = postings[p];
            _postings.Add(new FlatPosting(Names.Id(posting.AccountId), Names.Id(posting.Asset), posting.Amount));
        }
    }

    /// <summary>The key sequence of entry <paramref name="index"/> (0-based).</summary>
    public long SequenceAt(int index) => _entries[index].Sequence;

    /// <summary>Entry <paramref name="index"/> (0-based) as margin's LedgerProjector records it.</summary>
    public LedgerEntryRecorded EntryAt(int index)
    {
        var e = _entries[index];
        var postings = new Posting[e.PostingCount];
        for (var p = 0; p < postings.Length; p++)
        {
            var flat = _postings[e.FirstPosting + p];
            postings[p] = new Posting(Names[flat.AccountId], Names[flat.Asset], flat.Amount);
        }
        var streamId = Names[e.StreamId];
        var entryId = e.EntryId.IsDerived
            ? string.Create(CultureInfo.InvariantCulture, $"{streamId}:{e.StreamVersion}:{e.LineIndex}")
            : new string(Chars(e.EntryId));
        return new LedgerEntryRecorded(e.Sequence, entryId, e.Kind, new string(Chars(e.Reference)), Names[e.Market], Names[e.AccountId], postings, e.At,
            streamId, e.StreamVersion, e.GlobalPosition, e.LineIndex);
    }

    /// <summary>
    /// Entry <paramref name="index"/>'s row exactly as <see cref="MarginRows.LedgerRow"/> then ToJsonString() would write
    /// it (same names, order and escaping), without building the entry or the JSON tree.
    /// </summary>
    public void WriteRow(int index, Utf8JsonWriter writer)
    {
        var e = _entries[index];
        var streamId = Names[e.StreamId];
        Span<char> text = stackalloc char[Math.Max(64, streamId.Length + 48)];
        writer.WriteStartObject();
        if (e.EntryId.IsDerived)
        {
            text.TryWrite(CultureInfo.InvariantCulture, $"{streamId}:{e.StreamVersion}:{e.LineIndex}", out var length);
            writer.WriteString(MarginRows.EntryId, text[..length]);
        }
        else
        {
            writer.WriteString(MarginRows.EntryId, Chars(e.EntryId));
        }
        writer.WriteString(MarginRows.Kind, MarginRows.KindName(e.Kind));
        writer.WriteString(MarginRows.Reference, Chars(e.Reference));
        writer.WriteString(MarginRows.Market, Names[e.Market]);
        writer.WriteString(MarginRows.AccountId, Names[e.AccountId]);
        writer.WriteStartArray(MarginRows.Postings);
        for (var p = 0; p < e.PostingCount; p++)
        {
            var flat = _postings[e.FirstPosting + p];
            MarginRows.WritePosting(writer, Names[flat.AccountId], Names[flat.Asset], flat.Amount);
        }
        writer.WriteEndArray();
        MarginRows.WriteAt(writer, e.At);
        text.TryWrite(CultureInfo.InvariantCulture, $"{streamId}@{e.StreamVersion}#{e.LineIndex}", out var written);
        writer.WriteString(MarginRows.Source, text[..written]);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Whether entry <paramref name="i"/> of <paramref name="a"/> and entry <paramref name="j"/> of <paramref name="b"/>
    /// have the same row: true exactly when <see cref="WriteRow"/> writes the same text for both, compared field by field
    /// instead of as text. Every row field is a name (same text ⇔ same number in the shared table), an amount (the
    /// canonical text is one per value, so decimal equality), the time in UTC to the tick ("O"), or numbers.
    /// The sequence is the key, not part of the row; the global position is not in the row either.
    /// </summary>
    public static bool SameRow(CompactLedger a, int i, CompactLedger b, int j)
    {
        if (!ReferenceEquals(a.Names, b.Names))
        {
            throw new InvalidOperationException("Ledgers compared by number must share one names table.");
        }
        var x = a._entries[i];
        var y = b._entries[j];
        if (x.Kind != y.Kind || x.Market != y.Market || x.AccountId != y.AccountId || x.At.UtcTicks != y.At.UtcTicks
            || x.StreamId != y.StreamId || x.StreamVersion != y.StreamVersion || x.LineIndex != y.LineIndex || x.PostingCount != y.PostingCount
            || !a.Chars(x.Reference).SequenceEqual(b.Chars(y.Reference)))
        {
            return false;
        }
        // Both ids derived from the same source (compared above) are the same text; a stored id is never the derived
        // one (Add keeps that as Derived), so a stored and a derived id always differ.
        if (x.EntryId.IsDerived != y.EntryId.IsDerived || (!x.EntryId.IsDerived && !a.Chars(x.EntryId).SequenceEqual(b.Chars(y.EntryId))))
        {
            return false;
        }
        for (var p = 0; p < x.PostingCount; p++)
        {
            var m = a._postings[x.FirstPosting + p];
            var n = b._postings[y.FirstPosting + p];
            if (m.AccountId != n.AccountId || m.Asset != n.Asset || m.Amount != n.Amount)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether a stored entry's id is the one margin derives from its source ({stream}:{version}:{line}).</summary>
    private static bool IsDerivedId(LedgerEntryRecorded entry)
    {
        Span<char> text = stackalloc char[entry.SourceStream.Length + 48];
        return text.TryWrite(CultureInfo.InvariantCulture, $"{entry.SourceStream}:{entry.SourceVersion}:{entry.LineIndex}", out var written)
            && entry.EntryId.AsSpan().SequenceEqual(text[..written]);
    }

    private ReadOnlySpan<char> Chars(Text text) => _arena[text.Chunk].AsSpan(text.Offset, text.Length);

    /// <summary>The reference's place in the arena; an event's lines repeat its reference, so the last one is shared.</summary>
    private Text Reference(string reference)
    {
        if (ReferenceEquals(reference, _lastReference) || (_lastReference is not null && string.Equals(reference, _lastReference, StringComparison.Ordinal)))
        {
            return _lastReferenceAt;
        }
        _lastReference = reference;
        _lastReferenceAt = Copy(reference);
        return _lastReferenceAt;
    }

    private Text Copy(string text)
    {
        if (_arenaUsed + text.Length > ArenaChunk || _arena.Count == 0)
        {
            _arena.Add(new char[Math.Max(ArenaChunk, text.Length)]);
            _arenaUsed = 0;
        }
        var chunk = _arena.Count - 1;
        text.CopyTo(_arena[chunk].AsSpan(_arenaUsed));
        var slice = new Text(chunk, _arenaUsed, text.Length);
        _arenaUsed += text.Length;
        return slice;
    }

    /// <summary>A list in fixed-size chunks: adding never copies what is already held, and no chunk is ever resized.</summary>
    private sealed class Chunked<T> where T : unmanaged
    {
        private readonly List<T[]> _chunks = [];

        public long Count { get; private set; }

        public T this[long index] => _chunks[(int)(index >> ChunkShift)][index & (ChunkSize - 1)];

        public void Add(in T item)
        {
            var offset = (int)(Count & (ChunkSize - 1));
            if (offset == 0)
            {
                _chunks.Add(GC.AllocateUninitializedArray<T>(ChunkSize));
            }
            _chunks[^1][offset] = item;
            Count++;
        }
    }
}

/// <summary>
/// The names a ledger repeats (accounts, assets, markets, source streams), each kept once and numbered: entries hold the
/// numbers, and two ledgers sharing a table compare names as numbers. Not thread-safe (the fold stage fills it).
/// </summary>
internal sealed class LedgerNames
{
    private readonly List<string> _names = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public string this[int id] => _names[id];

    public int Id(string name)
    {
        ref var id = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_ids, name, out var exists);
        if (!exists)
        {
            id = _names.Count;
            _names.Add(name);
        }
        return id;
    }
}
