using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.Contracts.Orders.V1;
using Clearing.Parameters;
using Clearing.Primitives.Markets;

namespace Clearing.Matching.Application;

/// <summary>
/// Every book of the catalog behind one entry point: routes order commands by market and oracle updates to the
/// markets of their asset, collects the public events, and remembers which inputs each book applied since the last
/// <see cref="TakePending"/> so the caller can store exactly those. No I/O: the Kafka processor, the replay on start-up,
/// the determinism tests and the benchmark all drive this same class.
/// </summary>
public sealed class MatchingPipeline
{
    private readonly Dictionary<string, MarketBook> _books = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _marketsByAsset = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingBatch> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _trips = new(StringComparer.Ordinal);
    private readonly IMarketGovernance? _governance;

    /// <param name="governance">Governed market parameters (the registry); null = configuration only (benchmarks, replay tools).</param>
    public MatchingPipeline(MarketCatalog catalog, MatchingOptions options, IMarketGovernance? governance = null)
    {
        Catalog = catalog;
        Options = options;
        _governance = governance;
        Settings = BookSettings.For(catalog, options);
        foreach (var market in catalog.All)
        {
            _books.Add(market.Symbol, new MarketBook(market, catalog.IndexOf(market.Symbol), Settings));
        }
        foreach (var group in catalog.All.GroupBy(m => m.Underlying, StringComparer.Ordinal))
        {
            _marketsByAsset.Add(group.Key, group.Select(m => m.Symbol).ToArray());
            _trips.Add(group.Key, 0);
        }
    }

    public BookSettings Settings { get; }

    public MarketCatalog Catalog { get; }

    public MatchingOptions Options { get; }

    public IReadOnlyDictionary<string, MarketBook> Books => _books;

    public MarketBook Book(string market) =>
        _books.TryGetValue(market, out var book) ? book : throw new KeyNotFoundException($"unknown market '{market}'");

    /// <summary>
    /// An order command. A market the catalog does not know has no book and no sequence: its rejection carries
    /// sequence 0 and is not stored (a repeat after a crash may be answered twice, which changes nothing).
    /// </summary>
    public void Apply(OrderCommand command, List<MatchingEvent> output)
    {
        var input = new BookInput(Order: OrderInput.From(command) with { FeeTier = Settings.Fees.TierOf(command.AccountId) });
        if (!_books.TryGetValue(command.Market, out var book))
        {
            output.Add(new MatchingEvent
            {
                Market = command.Market, Sequence = 0, TimeUnixNanos = command.TimeUnixNanos, CommandId = command.CommandId,
                Rejected = new OrderRejected
                {
                    OrderId = input.Order!.OrderId ?? "", AccountId = command.AccountId, Reason = "unknown-market",
                },
            });
            return;
        }
        Govern(book, command.TimeUnixNanos, output);
        Apply(book, input, output);
    }

    /// <summary>
    /// Governance's defined point: before the first input of a market whose own time (an order command's gateway time, an
    /// oracle update's time) is at or after a registry version's effective time, that version is stored and applied as a
    /// <see cref="ParamsInput"/> of the book, so the input itself and everything after it run under it, and a replay or a
    /// snapshot restore finds it at the same place. Versions only move forward: an input stamped earlier than the last
    /// applied version's effective time (clocks of different sources) never switches back.
    /// </summary>
    private void Govern(MarketBook book, long timeUnixNanos, List<MatchingEvent> output)
    {
        if (_governance?.At(book.Market, DateTimeOffset.UnixEpoch.AddTicks(timeUnixNanos / 100)) is not { Parameters: MarketParameters governed } version
            || version.Version <= book.AppliedParamsVersion)
        {
            return;
        }
        var input = book.Admit(version.Version, version.EffectiveAt, governed, timeUnixNanos);
        Apply(book, new BookInput(Params: input), output);
        _governance.Applied(book.Market, input);
    }

    /// <summary>
    /// Market-maker protection across the markets of an underlying. After an input filled a protected account's quotes,
    /// its exposure is added up over every book of the underlying (each keeps the account's quote fills since its last
    /// trip); past a limit, one numbered trip goes to every book of the underlying in catalog order, each storing it as an
    /// input. Decisions are taken here, in the order the host applies inputs, and only their results are stored: a
    /// replay feeds the stored trips back and never decides again, so each book stream replays alone and exactly.
    /// </summary>
    private void CheckProtection(MarketBook book, string account, List<MatchingEvent> output)
    {
        var underlying = book.Definition.Underlying;
        var rule = Settings.Protection[(underlying, account)];
        var now = book.Now;
        if (now < book.FrozenUntil(account))
        {
            return;
        }
        long quantity = 0, low = 0, high = 0;
        foreach (var market in _marketsByAsset[underlying])
        {
            var (q, l, h) = _books[market].Exposure(account, now - rule.WindowNanos);
            quantity += q;
            low += l;
            high += h;
        }
        if (rule.Breach(quantity, low, high) is not { } reason)
        {
            return;
        }
        var trip = new ProtectionInput(account, underlying, ++_trips[underlying], now, now + rule.CooldownNanos, book.Market, reason);
        foreach (var market in _marketsByAsset[underlying])
        {
            Apply(_books[market], new BookInput(Protection: trip), output);
        }
    }

    /// <summary>
    /// Start-up, after every book is restored: a crash between the appends of one batch can leave some books of an
    /// underlying without a trip another book stored. Each book is handed the trips it lacks (from the books that keep
    /// them), in number order, as new stored inputs — the same trips at the same point of its own history.
    /// </summary>
    public void ReconcileProtection(List<MatchingEvent> output)
    {
        foreach (var (underlying, markets) in _marketsByAsset)
        {
            var books = markets.Select(m => _books[m]).ToList();
            var trips = books.SelectMany(b => b.RecentTrips).GroupBy(t => t.Number).Select(g => g.First()).OrderBy(t => t.Number).ToList();
            _trips[underlying] = Math.Max(_trips[underlying], books.Max(b => b.LastTrip));
            foreach (var book in books)
            {
                var missing = trips.Where(t => t.Number > book.LastTrip).ToList();
                if (missing.Count > 0 && missing[0].Number != book.LastTrip + 1)
                {
                    throw new InvalidOperationException(
                        $"book-{book.Market} stopped at protection trip {book.LastTrip} of {underlying}; trip {book.LastTrip + 1} is no longer remembered by any book");
                }
                foreach (var trip in missing)
                {
                    Apply(book, new BookInput(Protection: trip), output);
                }
            }
        }
    }

    /// <summary>An oracle update: one input for each market of its asset (none when no market trades that asset).</summary>
    public void Apply(PriceUpdate update, List<MatchingEvent> output)
    {
        if (!_marketsByAsset.TryGetValue(update.Asset, out var markets))
        {
            return;
        }
        foreach (var (market, input) in PriceInput.From(update, markets))
        {
            Govern(_books[market], input.Time, output);
            Apply(_books[market], new BookInput(Price: input), output);
        }
    }

    public void Apply(string market, HaltInput halt, List<MatchingEvent> output) => Apply(Book(market), new BookInput(Halt: halt), output);

    private void Apply(MarketBook book, BookInput input, List<MatchingEvent> output)
    {
        var before = book.Sequence;
        if (!book.Apply(input, output))
        {
            return;
        }
        if (!_pending.TryGetValue(book.Market, out var batch))
        {
            batch = new PendingBatch(before + 1);
            _pending.Add(book.Market, batch);
        }
        batch.Inputs.Add(input);
        // Quote fills (from an order, or from a stop an oracle update fired) may cross a protection limit.
        if (book.ProtectionTouched.Count > 0)
        {
            foreach (var account in book.ProtectionTouched.ToList())
            {
                CheckProtection(book, account, output);
            }
        }
    }

    /// <summary>Puts a book restored from a snapshot in place of this market's book (start-up, before any input).</summary>
    public void Restore(MarketBook book)
    {
        if (!_books.ContainsKey(book.Market))
        {
            throw new KeyNotFoundException($"unknown market '{book.Market}'");
        }
        if (_pending.ContainsKey(book.Market))
        {
            throw new InvalidOperationException($"book-{book.Market} has unstored inputs; a snapshot can only replace a book before it takes input");
        }
        _books[book.Market] = book;
        var underlying = book.Definition.Underlying;
        _trips[underlying] = Math.Max(_trips[underlying], book.LastTrip);
    }

    /// <summary>The inputs applied since the last call, one batch per market in catalog order; clears them.</summary>
    public IReadOnlyList<BookInputBatch> TakePending()
    {
        if (_pending.Count == 0)
        {
            return [];
        }
        var batches = _pending
            .OrderBy(p => _books[p.Key].CatalogIndex)
            .Select(p => new BookInputBatch(p.Key, p.Value.FirstSequence, _books[p.Key].Sequence, p.Value.Inputs))
            .ToList();
        _pending.Clear();
        return batches;
    }

    /// <summary>Replays one stored batch into its book (start-up); checks the sequences it stored against what the code gives now.</summary>
    public void Replay(BookInputBatch batch, List<MatchingEvent> output)
    {
        var book = Book(batch.Market);
        if (book.Sequence + 1 != batch.FirstSequence)
        {
            throw new InvalidOperationException(
                $"book-{batch.Market}: stored batch starts at sequence {batch.FirstSequence} but the replayed book is at {book.Sequence}");
        }
        foreach (var input in batch.Inputs)
        {
            if (!book.Apply(input, output))
            {
                throw new InvalidOperationException($"book-{batch.Market}: a stored input was refused as a repeat on replay (sequence {book.Sequence})");
            }
        }
        _trips[book.Definition.Underlying] = Math.Max(_trips[book.Definition.Underlying], book.LastTrip);
        if (book.Sequence != batch.LastSequence)
        {
            throw new InvalidOperationException(
                $"book-{batch.Market}: replay ended at sequence {book.Sequence}, the store says {batch.LastSequence}; the code no longer reproduces the stored book");
        }
    }

    private sealed class PendingBatch(long firstSequence)
    {
        public long FirstSequence { get; } = firstSequence;

        public List<BookInput> Inputs { get; } = [];
    }
}
