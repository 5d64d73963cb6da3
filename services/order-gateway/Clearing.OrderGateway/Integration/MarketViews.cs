using System.Collections.Concurrent;
using System.Threading.Channels;
using Clearing.Contracts.Matching.V1;
using Clearing.Contracts.Oracle.V1;
using Clearing.OrderGateway.Domain.Depth;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.OrderGateway.Domain.Rules;
using Clearing.Primitives.Markets;
using DomainSide = Clearing.OrderGateway.Domain.Commands.OrderSide;
using ProtoSide = Clearing.Contracts.Orders.V1.Side;

namespace Clearing.OrderGateway.Integration;

/// <summary>
/// What the gateway knows of the markets, kept from the public topics: each market's trading status and L2 depth
/// (clearing.matching.events.v1) and mark prices (clearing.oracle.prices.v1); it also fans each matching event out
/// to the subscribers of the accounts it concerns. Kept in memory and rebuilt from the topics on start (the
/// consumers read from the earliest offset), so it is a cache of matching's truth, never a second truth.
/// </summary>
public sealed class MarketViews(MarketCatalog catalog, TimeProvider time, GatewayParametersGateway? governed = null)
{
    /// <summary>A subscriber slower than this many updates loses the newest ones and sees a sequence gap.</summary>
    public const int SubscriberCapacity = 1024;

    private readonly ConcurrentDictionary<string, MarketState> _markets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, decimal> _marks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<MatchingEvent>, byte>> _accountSubscribers = new(StringComparer.Ordinal);

    // Live account subscriptions over all accounts (an account's entry above stays once it has subscribed).
    private int _accountSubscriptions;

    /// <summary>The market as the checks see it now; null when the catalog does not list it.</summary>
    public MarketContext? ContextOf(string market) => ContextOf(market, time.GetUtcNow());

    /// <summary>The market as the checks see it at <paramref name="at"/> (a command's receive time); null when the catalog does not list it.</summary>
    public MarketContext? ContextOf(string market, DateTimeOffset at)
    {
        if (!catalog.TryGet(market, out var definition))
        {
            return null;
        }

        var status = _markets.TryGetValue(market, out var state) ? state.Status : MarketStatus.Open;
        if (definition.Expiry is { } expiry && at >= expiry)
        {
            status = MarketStatus.Expired;
        }

        // A halt by governance (GatewayParametersGateway) from its effective time, whatever matching announced.
        if (status == MarketStatus.Open && governed?.IsHalted(market, at) == true)
        {
            status = MarketStatus.Halted;
        }

        return new MarketContext(definition, status, _marks.TryGetValue(market, out var mark) ? mark : null);
    }

    public decimal? MarkOf(string market) => _marks.TryGetValue(market, out var mark) ? mark : null;

    /// <summary>Marks from an OK price update; a stale or circuit-broken index leaves the last good marks in place.</summary>
    public void Apply(PriceUpdate update)
    {
        if (update.Status != PriceStatus.Ok)
        {
            return;
        }

        foreach (var mark in update.Marks)
        {
            if (catalog.TryGet(mark.Market, out _) && DecimalText.TryParse(mark.MarkPrice_, out var price) is null && price > 0)
            {
                _marks[mark.Market] = price;
            }
        }
    }

    /// <summary>
    /// One matching event: status, depth (one delta to every depth subscriber when a level moved) and the accounts'
    /// own update streams. A repeat (sequence at or below the last applied one for the market) is ignored.
    /// </summary>
    public void Apply(MatchingEvent e)
    {
        var state = _markets.GetOrAdd(e.Market, m => new MarketState(m));
        lock (state)
        {
            if (e.Sequence <= state.LastSequence)
            {
                return;
            }

            state.LastSequence = e.Sequence;
            if (e.EventCase == MatchingEvent.EventOneofCase.StatusChanged)
            {
                state.Status = e.StatusChanged.Status switch
                {
                    "pre-open" => MarketStatus.PreOpen,
                    "halted" => MarketStatus.Halted,
                    "expired" => MarketStatus.Expired,
                    _ => MarketStatus.Open,
                };
            }

            var inputs = DepthInputsOf(e);
            if (inputs.Count > 0)
            {
                if (state.DepthSubscriberCount == 0)
                {
                    // Nobody to send a delta to: the book still moves (a later subscriber's snapshot needs it), undescribed.
                    state.Book.ApplyWithoutDelta(e.Sequence, inputs);
                }
                else if (state.Book.Apply(e.Sequence, inputs) is { } delta)
                {
                    foreach (var subscriber in state.DepthSubscribers.Keys)
                    {
                        // A full channel drops this delta; the subscriber then sees a gap and re-subscribes for a snapshot.
                        subscriber.Writer.TryWrite(delta);
                    }
                }
            }
        }

        // Most of the time nobody streams account updates: then an event's accounts are not even listed.
        if (Volatile.Read(ref _accountSubscriptions) == 0)
        {
            return;
        }

        foreach (var account in AccountsOf(e))
        {
            if (_accountSubscribers.TryGetValue(account, out var subscribers))
            {
                foreach (var subscriber in subscribers.Keys)
                {
                    subscriber.Writer.TryWrite(e);
                }
            }
        }
    }

    /// <summary>A snapshot and, atomically with it, a subscription to every later delta of <paramref name="market"/>.</summary>
    public DepthSubscription SubscribeDepth(string market, int depth)
    {
        var state = _markets.GetOrAdd(market, m => new MarketState(m));
        var channel = Channel.CreateBounded<DepthDelta>(new BoundedChannelOptions(SubscriberCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        lock (state)
        {
            state.Subscribe(channel);
            return new DepthSubscription(state.Book.Snapshot(depth), channel.Reader, () => state.Unsubscribe(channel));
        }
    }

    public AccountSubscription SubscribeAccount(string accountId)
    {
        var channel = Channel.CreateBounded<MatchingEvent>(new BoundedChannelOptions(SubscriberCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        var subscribers = _accountSubscribers.GetOrAdd(accountId, _ => new ConcurrentDictionary<Channel<MatchingEvent>, byte>());
        if (subscribers.TryAdd(channel, 0))
        {
            Interlocked.Increment(ref _accountSubscriptions);
        }

        return new AccountSubscription(channel.Reader, () =>
        {
            if (subscribers.TryRemove(channel, out _))
            {
                Interlocked.Decrement(ref _accountSubscriptions);
            }
        });
    }

    internal static IReadOnlyList<DepthInput> DepthInputsOf(MatchingEvent e) => e.EventCase switch
    {
        MatchingEvent.EventOneofCase.Rested when Amount(e.Rested.Price) is { } price && Amount(e.Rested.Remaining) is { } remaining =>
            [new DepthInput.Rested(e.Rested.AccountId, e.Rested.OrderId, SideOf(e.Rested.Side), price, remaining)],
        MatchingEvent.EventOneofCase.Fill =>
        [
            new DepthInput.Reduced(e.Fill.MakerAccountId, e.Fill.MakerOrderId, Amount(e.Fill.MakerRemaining) ?? 0m),
            new DepthInput.Reduced(e.Fill.TakerAccountId, e.Fill.TakerOrderId, Amount(e.Fill.TakerRemaining) ?? 0m),
        ],
        MatchingEvent.EventOneofCase.Cancelled => [new DepthInput.Removed(e.Cancelled.AccountId, e.Cancelled.OrderId)],
        MatchingEvent.EventOneofCase.Amended when Amount(e.Amended.Price) is { } price && Amount(e.Amended.Quantity) is { } quantity =>
            [new DepthInput.Amended(e.Amended.AccountId, e.Amended.OrderId, price, quantity, e.Amended.KeptPriority)],
        MatchingEvent.EventOneofCase.StatusChanged when e.StatusChanged.Status == "expired" => [new DepthInput.Cleared()],
        _ => [],
    };

    private static IEnumerable<string> AccountsOf(MatchingEvent e) => e.EventCase switch
    {
        MatchingEvent.EventOneofCase.Accepted => [e.Accepted.AccountId],
        MatchingEvent.EventOneofCase.Rejected => [e.Rejected.AccountId],
        MatchingEvent.EventOneofCase.Rested => [e.Rested.AccountId],
        MatchingEvent.EventOneofCase.Fill => e.Fill.TakerAccountId == e.Fill.MakerAccountId ? [e.Fill.TakerAccountId] : [e.Fill.TakerAccountId, e.Fill.MakerAccountId],
        MatchingEvent.EventOneofCase.Cancelled => [e.Cancelled.AccountId],
        MatchingEvent.EventOneofCase.Amended => [e.Amended.AccountId],
        MatchingEvent.EventOneofCase.Triggered => [e.Triggered.AccountId],
        MatchingEvent.EventOneofCase.ProtectionTriggered => [e.ProtectionTriggered.AccountId],
        _ => [],
    };

    private static decimal? Amount(string text) => DecimalText.TryParse(text, out var value) is null ? value : null;

    private static DomainSide SideOf(ProtoSide side) => side == ProtoSide.Sell ? DomainSide.Sell : DomainSide.Buy;

    private sealed class MarketState(string market)
    {
        public DepthBook Book { get; } = new(market);

        public MarketStatus Status { get; set; } = MarketStatus.Open;

        public long LastSequence { get; set; }

        public ConcurrentDictionary<Channel<DepthDelta>, byte> DepthSubscribers { get; } = new();

        /// <summary>
        /// How many depth subscribers there are, kept beside the dictionary (whose IsEmpty takes every lock when it is
        /// empty, the usual case). Subscribing happens under the state's lock, as does every read: a delta is never
        /// skipped for a subscriber that has its snapshot; one removed meanwhile at most gets a delta built for nobody.
        /// </summary>
        public int DepthSubscriberCount => Volatile.Read(ref _depthSubscriberCount);

        private int _depthSubscriberCount;

        public void Subscribe(Channel<DepthDelta> channel)
        {
            if (DepthSubscribers.TryAdd(channel, 0))
            {
                Interlocked.Increment(ref _depthSubscriberCount);
            }
        }

        public void Unsubscribe(Channel<DepthDelta> channel)
        {
            if (DepthSubscribers.TryRemove(channel, out _))
            {
                Interlocked.Decrement(ref _depthSubscriberCount);
            }
        }
    }
}

public sealed class DepthSubscription(DepthSnapshot snapshot, ChannelReader<DepthDelta> deltas, Action unsubscribe) : IDisposable
{
    public DepthSnapshot Snapshot { get; } = snapshot;

    public ChannelReader<DepthDelta> Deltas { get; } = deltas;

    public void Dispose() => unsubscribe();
}

public sealed class AccountSubscription(ChannelReader<MatchingEvent> updates, Action unsubscribe) : IDisposable
{
    public ChannelReader<MatchingEvent> Updates { get; } = updates;

    public void Dispose() => unsubscribe();
}
