namespace Clearing.Matching.Domain;

public sealed partial class MatchingEngine
{
    /// <summary>The engine's logical state (see <see cref="EngineState"/>); restoring it into a fresh engine continues identically.</summary>
    public EngineState ExportState()
    {
        var markets = _markets.Select(m => new EngineMarketState(m.Status, m.HasMark, m.Mark, m.HasTriggerMark, m.TriggerMark, m.Delta)).ToList();
        var orders = new List<EngineOrderState>();
        foreach (var m in _markets)
        {
            foreach (var book in new[] { m.Bids, m.Asks })
            {
                for (var li = book.Best(out var price); li >= 0; li = book.NextWorse(price, out price))
                {
                    for (var cur = _levels[li].Head; cur != None; cur = _orders[cur].Next)
                    {
                        orders.Add(Export(cur, pending: false));
                    }
                }
            }
        }
        foreach (var m in _markets)
        {
            orders.AddRange(PendingOf(m).Select(slot => Export(slot, pending: true)));
        }
        var accounts = new List<EngineAccountState>(_accounts);
        for (var a = 0; a < _accounts; a++)
        {
            var protection = new EngineProtectionState?[_underlyingCount];
            for (var u = 0; u < _underlyingCount; u++)
            {
                if (_protection[(a * _underlyingCount) + u] is { } p)
                {
                    var fills = new EngineProtectionFill[p.Size];
                    for (var i = 0; i < p.Size; i++)
                    {
                        var j = (p.Head + i) % p.Times.Length;
                        fills[i] = new EngineProtectionFill(p.Times[j], p.Quantities[j], p.Deltas[j]);
                    }
                    protection[u] = new EngineProtectionState(p.Window, p.QuantityLimit, p.DeltaLimit, p.Cooldown, p.FrozenUntil, fills);
                }
            }
            accounts.Add(new EngineAccountState(_accountIds[a], _tiers[a],
                _positions.AsSpan(a * _markets.Length, _markets.Length).ToArray(),
                AccountList(_restHead[a]), AccountList(_pendingHead[a]), protection));
        }
        return new EngineState(_now, _sequence, _acceptSequence, _restSequence, markets, orders, accounts);
    }

    /// <summary>
    /// Loads <paramref name="state"/> into this engine, which must be fresh (constructed, nothing processed) and configured
    /// with the same instruments the state was exported from.
    /// </summary>
    public void RestoreState(EngineState state)
    {
        if (_accounts != 0 || _orderCount != 0 || _sequence != 0)
        {
            throw new InvalidOperationException("an engine state can only be restored into a fresh engine");
        }
        if (state.Markets.Count != _markets.Length)
        {
            throw new ArgumentException($"the state has {state.Markets.Count} markets, this engine {_markets.Length}", nameof(state));
        }
        _now = state.Now;
        _sequence = state.Sequence;
        _acceptSequence = state.AcceptSequence;
        _restSequence = state.RestSequence;
        for (var i = 0; i < _markets.Length; i++)
        {
            var (m, s) = (_markets[i], state.Markets[i]);
            m.Status = s.Status;
            m.HasMark = s.HasMark;
            m.Mark = s.Mark;
            m.HasTriggerMark = s.HasTriggerMark;
            m.TriggerMark = s.TriggerMark;
            m.Delta = s.Delta;
        }
        foreach (var a in state.Accounts)
        {
            var account = AccountSlot(a.Account);
            if (a.Positions.Count != _markets.Length || a.Protection.Count != _underlyingCount)
            {
                throw new ArgumentException($"account {a.Account}: positions or protection do not match this engine's markets", nameof(state));
            }
            _tiers[account] = a.Tier;
            for (var mi = 0; mi < _markets.Length; mi++)
            {
                _positions[(account * _markets.Length) + mi] = a.Positions[mi];
            }
            for (var u = 0; u < _underlyingCount; u++)
            {
                if (a.Protection[u] is not { } p)
                {
                    continue;
                }
                var restored = new ProtectionState
                {
                    AccountId = a.Account, Account = account, Underlying = u, Window = p.Window, QuantityLimit = p.QuantityLimit,
                    DeltaLimit = p.DeltaLimit, Cooldown = p.Cooldown, FrozenUntil = p.FrozenUntil,
                };
                foreach (var f in p.Fills)
                {
                    // Appending without the window's pruning: the exported ring is already what survived it.
                    restored.Append(f.Time, f.Quantity, f.Delta);
                }
                _protection[(account * _underlyingCount) + u] = restored;
            }
        }
        var slots = new Dictionary<long, int>(state.Orders.Count);
        foreach (var s in state.Orders)
        {
            slots.Add(s.Id, RestoreOrder(s));
        }
        foreach (var a in state.Accounts)
        {
            foreach (var id in a.RestingOrders)
            {
                LinkAccount(slots[id], _restHead, _restTail);
            }
            foreach (var id in a.PendingOrders)
            {
                LinkAccount(slots[id], _pendingHead, _pendingTail);
            }
        }
        var deadline = _heapCount > 0 ? _cold[_heap[0]].ExpireAt : long.MaxValue;
        foreach (var m in _markets)
        {
            if (m.Status != MarketStatus.Expired)
            {
                deadline = Math.Min(deadline, m.ExpiresAt);
            }
        }
        _nextDeadline = deadline;
    }

    private int RestoreOrder(EngineOrderState s)
    {
        if ((uint)s.Market >= (uint)_markets.Length)
        {
            throw new ArgumentException($"order {s.Id}: unknown market index {s.Market}");
        }
        var account = _accountIndex.Get(s.Account);
        if (account < 0)
        {
            throw new ArgumentException($"order {s.Id}: account {s.Account} is not in the state's account list");
        }
        var m = _markets[s.Market];
        var slot = AllocateOrder();
        ref var o = ref _orders[slot];
        o.Id = s.Id;
        o.Account = account;
        o.Market = s.Market;
        o.Side = s.Side;
        o.Type = s.Type;
        o.Tif = s.TimeInForce;
        o.Stp = s.Stp;
        o.Flags = s.Flags;
        o.Price = s.Price;
        o.Remaining = s.Remaining;
        o.HeapIndex = None;
        o.Prev = o.Next = o.AccountPrev = o.AccountNext = None;
        ref var cold = ref _cold[slot];
        cold.TriggerPrice = s.TriggerPrice;
        cold.ExpireAt = s.ExpireAt;
        cold.Sequence = s.Sequence;
        cold.RestSequence = s.RestSequence;
        if (s.Pending)
        {
            o.State = SlotState.Pending;
            (o.Type.TriggersOnRise(o.Side) ? m.Rising : m.Falling).Insert(cold.TriggerPrice, cold.Sequence, slot);
        }
        else
        {
            // Orders arrive in priority order, so appending at each level's tail rebuilds the queue.
            AppendToLevel(slot, m);
            o.State = SlotState.Resting;
        }
        _orderIndex.Add(o.Id, slot);
        if (o.Tif == TimeInForce.GoodTillTime)
        {
            HeapPush(slot);
        }
        return slot;
    }

    private EngineOrderState Export(int slot, bool pending)
    {
        ref var o = ref _orders[slot];
        ref var cold = ref _cold[slot];
        return new EngineOrderState(o.Id, _accountIds[o.Account], o.Market, o.Side, o.Type, o.Tif, o.Stp, o.Flags, o.Price, o.Remaining,
            pending, cold.TriggerPrice, cold.ExpireAt, cold.Sequence, cold.RestSequence);
    }

    private List<long> AccountList(int head)
    {
        var ids = new List<long>();
        for (var cur = head; cur != None; cur = _orders[cur].AccountNext)
        {
            ids.Add(_orders[cur].Id);
        }
        return ids;
    }
}
