using System.Globalization;
using System.Text.Json;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// The rebuilt ledger of a replay, held until it is written and diffed: a million-event store keeps about a million
/// entries. Everything is kept in chunks of plain structs that hold no object reference (names are numbers into one
/// table, each entry's reference is a slice of a shared character arena), so a garbage collection has nothing in them
/// to trace, no card to scan and nothing to promote; chunks are never copied as the ledger grows. Measured on the
/// 1M-event benchmark store, keeping entries as objects (or as structs holding strings) cost most of the rebuild's
/// gen0 pause time: every entry pointed at young strings from the large object heap.
/// Not thread-safe: the fold stage adds, the write/diff stage reads afterwards.
/// </summary>
internal sealed class CompactLedger
{
    private const int ChunkShift = 16;
    private const int ChunkSize = 1 << ChunkShift;
    private const int ArenaChunk = 1 << 20;

    private readonly Chunked<Entry> _entries = new();
    private readonly Chunked<FlatPosting> _postings = new();
    private readonly List<string> _names = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<char[]> _arena = [];
    private int _arenaUsed = ArenaChunk;
    private string? _lastReference;
    private (int Chunk, int Offset) _lastReferenceAt;

    private readonly record struct Entry(
        LedgerKind Kind, int ReferenceChunk, int ReferenceOffset, int ReferenceLength, int Market, int AccountId, DateTimeOffset At,
        int StreamId, long StreamVersion, long GlobalPosition, int LineIndex, long FirstPosting, int PostingCount);

    private readonly record struct FlatPosting(int AccountId, int Asset, decimal Amount);

    public int Count => (int)_entries.Count;

    /// <summary>Appends one ledger line of a money-moving account event (numbered Count after the call).</summary>
    public void Add(LedgerLine line, int lineIndex, string accountId, DateTimeOffset at, string streamId, long streamVersion, long globalPosition)
    {
        var (chunk, offset) = Reference(line.Reference);
        _entries.Add(new Entry(line.Kind, chunk, offset, line.Reference.Length, Id(line.Market), Id(accountId), at, Id(streamId), streamVersion,
            globalPosition, lineIndex, _postings.Count, line.Postings.Count));
        foreach (var posting in line.Postings)
        {
            _postings.Add(new FlatPosting(Id(posting.AccountId), Id(posting.Asset), posting.Amount));
        }
    }

    /// <summary>Entry <paramref name="index"/> (0-based) as margin's LedgerProjector records it, sequence index + 1.</summary>
    public LedgerEntryRecorded EntryAt(int index)
    {
        var e = _entries[index];
        var postings = new Posting[e.PostingCount];
        for (var p = 0; p < postings.Length; p++)
        {
            var flat = _postings[e.FirstPosting + p];
            postings[p] = new Posting(_names[flat.AccountId], _names[flat.Asset], flat.Amount);
        }
        var streamId = _names[e.StreamId];
        return new LedgerEntryRecorded(index + 1L, string.Create(CultureInfo.InvariantCulture, $"{streamId}:{e.StreamVersion}:{e.LineIndex}"),
            e.Kind, new string(ReferenceOf(e)), _names[e.Market], _names[e.AccountId], postings, e.At, streamId, e.StreamVersion, e.GlobalPosition, e.LineIndex);
    }

    /// <summary>
    /// Entry <paramref name="index"/>'s row exactly as <see cref="MarginRows.LedgerRow"/> then ToJsonString() would write
    /// it (same names, order and escaping), without building the entry or the JSON tree.
    /// </summary>
    public void WriteRow(int index, Utf8JsonWriter writer)
    {
        var e = _entries[index];
        var streamId = _names[e.StreamId];
        Span<char> text = stackalloc char[Math.Max(64, streamId.Length + 48)];
        writer.WriteStartObject();
        text.TryWrite(CultureInfo.InvariantCulture, $"{streamId}:{e.StreamVersion}:{e.LineIndex}", out var written);
        writer.WriteString(MarginRows.EntryId, text[..written]);
        writer.WriteString(MarginRows.Kind, MarginRows.KindName(e.Kind));
        writer.WriteString(MarginRows.Reference, ReferenceOf(e));
        writer.WriteString(MarginRows.Market, _names[e.Market]);
        writer.WriteString(MarginRows.AccountId, _names[e.AccountId]);
        writer.WriteStartArray(MarginRows.Postings);
        for (var p = 0; p < e.PostingCount; p++)
        {
            var flat = _postings[e.FirstPosting + p];
            MarginRows.WritePosting(writer, _names[flat.AccountId], _names[flat.Asset], flat.Amount);
        }
        writer.WriteEndArray();
        MarginRows.WriteAt(writer, e.At);
        text.TryWrite(CultureInfo.InvariantCulture, $"{streamId}@{e.StreamVersion}#{e.LineIndex}", out written);
        writer.WriteString(MarginRows.Source, text[..written]);
        writer.WriteEndObject();
    }

    private ReadOnlySpan<char> ReferenceOf(in Entry e) => _arena[e.ReferenceChunk].AsSpan(e.ReferenceOffset, e.ReferenceLength);

    /// <summary>The reference's place in the arena; an event's lines repeat its reference, so the last one is shared.</summary>
    private (int Chunk, int Offset) Reference(string reference)
    {
        if (ReferenceEquals(reference, _lastReference) || (_lastReference is not null && string.Equals(reference, _lastReference, StringComparison.Ordinal)))
        {
            return _lastReferenceAt;
        }
        if (_arenaUsed + reference.Length > ArenaChunk || _arena.Count == 0)
        {
            _arena.Add(new char[Math.Max(ArenaChunk, reference.Length)]);
            _arenaUsed = 0;
        }
        var chunk = _arena.Count - 1;
        reference.CopyTo(_arena[chunk].AsSpan(_arenaUsed));
        _lastReference = reference;
        _lastReferenceAt = (chunk, _arenaUsed);
        _arenaUsed += reference.Length;
        return _lastReferenceAt;
    }

    private int Id(string name)
    {
        ref var id = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_ids, name, out var exists);
        if (!exists)
        {
            id = _names.Count;
            _names.Add(name);
        }
        return id;
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
