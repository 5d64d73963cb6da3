using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clearing.Matching.Domain;
using Proto = Clearing.Contracts.Orders.V1;

namespace Clearing.Matching.Application;

/// <summary>
/// A book's snapshot: the engine's logical state (<see cref="EngineState"/>) and every host table, in a compact binary
/// layout closed by a SHA-256 of what precedes it. It carries a fingerprint of the instrument and the settings that
/// shape the book (ticks, lots, configured fee rates, remembered command ids): a snapshot taken under other settings is
/// refused, and the caller then replays the whole stream, which applies the settings of today to the stored inputs.
/// Governed parameters are not settings but stored inputs: the snapshot carries the version it applied and its values,
/// and the fingerprint keeps the configured ones, so a governance change never invalidates a snapshot.
/// </summary>
public sealed partial class MarketBook
{
    /// <summary>Bump when the layout below changes: older snapshots are then refused and the stream is replayed in full.</summary>
    /// <remarks>
    /// Version 2 added the applied governance parameters (version, default-tier rates, band, governed halt).</remarks>
    public const int SnapshotFormatVersion = 2;

    private const string SnapshotMagic = "clearing.book-snapshot";

    /// <summary>The settings a snapshot is only valid under; compared on restore.</summary>
    public string SnapshotFingerprint => string.Create(CultureInfo.InvariantCulture,
        $"{Market}|{Spec.Kind}|{Spec.TickSize}|{Spec.LotSize}|{Spec.MinOrderLots}|{Spec.MaxOrderLots}|{Spec.MaxPriceTicks}|{Spec.PriceBandBps}|" +
        $"{Spec.ExpiresAt}|{string.Join(';', Spec.FeeTiers.Select(f => $"{f.MakerMillionths}/{f.TakerMillionths}"))}|{_engine.Config.FeeTierCount}|" +
        $"{Spec.FeeDecimals}|{_rememberedCommandIds}|{string.Join(';', _fees.Tiers.Select(t => t.Name))}|" +
        $"{string.Join(';', _rules.Values.OrderBy(r => r.Account, StringComparer.Ordinal))}");

    /// <summary>Serializes the whole book. Call between inputs only (the processor's thread).</summary>
    public byte[] SaveSnapshot()
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(SnapshotMagic);
            w.Write(SnapshotFormatVersion);
            w.Write(SnapshotFingerprint);
            w.Write(Sequence);
            w.Write(_nextOrderId);
            w.Write(_lastPriceSequence);
            w.Write(_haltVersion);
            w.Write(_haltReason);
            w.Write(_circuitBreaker);
            w.Write(_mark);
            w.Write(_now);
            w.Write(_accountNames.Count);
            foreach (var name in _accountNames)
            {
                w.Write(name);
            }
            w.Write(_orderIds.Count);
            foreach (var ((account, clientId), id) in _orderIds)
            {
                w.Write(account);
                w.Write(clientId);
                w.Write(id);
            }
            w.Write(_orders.Count);
            foreach (var id in _orders.Keys.Order())
            {
                var meta = _orders[id];
                w.Write(id);
                w.Write(meta.ClientOrderId);
                w.Write(meta.Account);
                w.Write(meta.AccountId);
                w.Write((int)meta.Side);
                w.Write((int)meta.Kind);
                w.Write(meta.ReduceOnly);
                w.Write((int)meta.MarginMode);
                w.Write((int)meta.Origin);
                w.Write(meta.IsolatedCollateral);
                w.Write(meta.IsQuote);
                w.Write(meta.Price);
                w.Write(meta.Remaining);
            }
            w.Write(_commandIdOrder.Count);
            foreach (var commandId in _commandIdOrder)
            {
                w.Write(commandId);
            }
            w.Write(_accountTiers.Count);
            foreach (var (account, tier) in _accountTiers)
            {
                w.Write(account);
                w.Write(tier);
            }
            w.Write(_lastTrip);
            w.Write(_recentTrips.Count);
            foreach (var t in _recentTrips)
            {
                w.Write(t.Account);
                w.Write(t.Underlying);
                w.Write(t.Number);
                w.Write(t.Time);
                w.Write(t.FrozenUntil);
                w.Write(t.TriggerMarket);
                w.Write(t.Reason);
            }
            w.Write(_protection.Count);
            foreach (var (account, p) in _protection)
            {
                w.Write(account);
                w.Write(p.FrozenUntil);
                w.Write(p.Fills.Count);
                foreach (var f in p.Fills)
                {
                    w.Write(f.Time);
                    w.Write(f.Quantity);
                    w.Write(f.DeltaLow);
                    w.Write(f.DeltaHigh);
                }
            }
            WriteGovernance(w);
            WriteEngine(w, _engine.ExportState());
        }
        var body = buffer.ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    /// <summary>
    /// A book rebuilt from <paramref name="snapshot"/>. Throws <see cref="InvalidDataException"/> naming the problem when the
    /// bytes are damaged, of another format version, or taken under other settings; the caller then replays in full.
    /// </summary>
    public static MarketBook RestoreSnapshot(Clearing.Primitives.Markets.MarketDefinition market, int catalogIndex, BookSettings settings, ReadOnlySpan<byte> snapshot)
    {
        if (snapshot.Length < SHA256.HashSizeInBytes)
        {
            throw new InvalidDataException($"book-{market.Symbol} snapshot: {snapshot.Length} bytes is too short to be a snapshot");
        }
        var body = snapshot[..^SHA256.HashSizeInBytes];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(snapshot[^SHA256.HashSizeInBytes..]))
        {
            throw new InvalidDataException($"book-{market.Symbol} snapshot: checksum mismatch (damaged bytes)");
        }
        var book = new MarketBook(market, catalogIndex, settings);
        using var r = new BinaryReader(new MemoryStream(body.ToArray()), Encoding.UTF8);
        try
        {
            if (r.ReadString() != SnapshotMagic)
            {
                throw new InvalidDataException($"book-{market.Symbol} snapshot: not a book snapshot");
            }
            var version = r.ReadInt32();
            if (version != SnapshotFormatVersion)
            {
                throw new InvalidDataException($"book-{market.Symbol} snapshot: format version {version}, this build reads {SnapshotFormatVersion}");
            }
            var fingerprint = r.ReadString();
            if (fingerprint != book.SnapshotFingerprint)
            {
                throw new InvalidDataException($"book-{market.Symbol} snapshot: taken under other settings ({fingerprint}) than today's ({book.SnapshotFingerprint})");
            }
            book.ReadBody(r);
            if (r.BaseStream.Position != r.BaseStream.Length)
            {
                throw new InvalidDataException($"book-{market.Symbol} snapshot: {r.BaseStream.Length - r.BaseStream.Position} unread bytes at the end");
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"book-{market.Symbol} snapshot: truncated", e);
        }
        return book;
    }

    private void ReadBody(BinaryReader r)
    {
        Sequence = r.ReadInt64();
        _nextOrderId = r.ReadInt64();
        _lastPriceSequence = r.ReadInt64();
        _haltVersion = r.ReadInt64();
        _haltReason = r.ReadString();
        _circuitBreaker = r.ReadBoolean();
        _mark = r.ReadInt64();
        _now = r.ReadInt64();
        var accounts = Count(r);
        for (var i = 0; i < accounts; i++)
        {
            Intern(r.ReadString());
        }
        var orderIds = Count(r);
        for (var i = 0; i < orderIds; i++)
        {
            _orderIds.Add((r.ReadString(), r.ReadString()), r.ReadInt64());
        }
        var orders = Count(r);
        for (var i = 0; i < orders; i++)
        {
            var id = r.ReadInt64();
            var input = new OrderInput
            {
                CommandId = "", OrderId = r.ReadString(), Account = r.ReadString(), Time = 0, Action = "place",
            };
            var accountId = r.ReadInt64();
            input = input with
            {
                Side = (Proto.Side)r.ReadInt32(), Kind = (Proto.OrderKind)r.ReadInt32(), ReduceOnly = r.ReadBoolean(),
                MarginMode = (Proto.MarginMode)r.ReadInt32(), Origin = (Proto.Origin)r.ReadInt32(),
            };
            var isolated = r.ReadString();
            input = input with { IsolatedCollateral = input.MarginMode == Proto.MarginMode.Isolated ? isolated : null, Mmp = r.ReadBoolean() };
            var price = r.ReadInt64();
            var remaining = r.ReadInt64();
            _orders.Add(id, new OrderMeta(input, accountId, price, remaining));
        }
        var commandIds = Count(r);
        for (var i = 0; i < commandIds; i++)
        {
            var commandId = r.ReadString();
            _commandIds.Add(commandId);
            _commandIdOrder.Enqueue(commandId);
        }
        for (var i = Count(r); i > 0; i--)
        {
            _accountTiers.Add(r.ReadString(), r.ReadInt32());
        }
        _lastTrip = r.ReadInt64();
        for (var i = Count(r); i > 0; i--)
        {
            _recentTrips.Add(new ProtectionInput(r.ReadString(), r.ReadString(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadString()));
        }
        for (var i = Count(r); i > 0; i--)
        {
            var p = new AccountProtection();
            _protection.Add(r.ReadString(), p);
            p.FrozenUntil = r.ReadInt64();
            for (var f = Count(r); f > 0; f--)
            {
                p.Fills.Add(new ProtectionFill(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()));
            }
        }
        ReadGovernance(r);
        _engine.RestoreState(ReadEngine(r));
    }

    private static int Count(BinaryReader r)
    {
        var count = r.ReadInt32();
        return count >= 0 ? count : throw new InvalidDataException($"negative count {count}");
    }

    private static void WriteEngine(BinaryWriter w, EngineState s)
    {
        w.Write(s.Now);
        w.Write(s.Sequence);
        w.Write(s.AcceptSequence);
        w.Write(s.RestSequence);
        w.Write(s.Markets.Count);
        foreach (var m in s.Markets)
        {
            w.Write((byte)m.Status);
            w.Write(m.HasMark);
            w.Write(m.Mark);
            w.Write(m.HasTriggerMark);
            w.Write(m.TriggerMark);
            w.Write(m.Delta);
        }
        w.Write(s.Orders.Count);
        foreach (var o in s.Orders)
        {
            w.Write(o.Id);
            w.Write(o.Account);
            w.Write(o.Market);
            w.Write((byte)o.Side);
            w.Write((byte)o.Type);
            w.Write((byte)o.TimeInForce);
            w.Write((byte)o.Stp);
            w.Write((byte)o.Flags);
            w.Write(o.Price);
            w.Write(o.Remaining);
            w.Write(o.Pending);
            w.Write(o.TriggerPrice);
            w.Write(o.ExpireAt);
            w.Write(o.Sequence);
            w.Write(o.RestSequence);
        }
        w.Write(s.Accounts.Count);
        foreach (var a in s.Accounts)
        {
            w.Write(a.Account);
            w.Write(a.Tier);
            WriteLongs(w, a.Positions);
            WriteLongs(w, a.RestingOrders);
            WriteLongs(w, a.PendingOrders);
            w.Write(a.Protection.Count);
            foreach (var p in a.Protection)
            {
                w.Write(p is not null);
                if (p is null)
                {
                    continue;
                }
                w.Write(p.Window);
                w.Write(p.QuantityLimit);
                w.Write(p.DeltaLimit);
                w.Write(p.Cooldown);
                w.Write(p.FrozenUntil);
                w.Write(p.Fills.Count);
                foreach (var f in p.Fills)
                {
                    w.Write(f.Time);
                    w.Write(f.Quantity);
                    w.Write((long)(f.Delta >> 64));
                    w.Write((ulong)(f.Delta & ulong.MaxValue));
                }
            }
        }
    }

    private static EngineState ReadEngine(BinaryReader r)
    {
        var now = r.ReadInt64();
        var sequence = r.ReadInt64();
        var accept = r.ReadInt64();
        var rest = r.ReadInt64();
        var markets = new List<EngineMarketState>();
        for (var i = Count(r); i > 0; i--)
        {
            markets.Add(new EngineMarketState((MarketStatus)r.ReadByte(), r.ReadBoolean(), r.ReadInt64(), r.ReadBoolean(), r.ReadInt64(), r.ReadInt64()));
        }
        var orders = new List<EngineOrderState>();
        for (var i = Count(r); i > 0; i--)
        {
            orders.Add(new EngineOrderState(r.ReadInt64(), r.ReadInt64(), r.ReadInt32(), (Side)r.ReadByte(), (OrderType)r.ReadByte(),
                (TimeInForce)r.ReadByte(), (SelfTradePrevention)r.ReadByte(), (OrderFlags)r.ReadByte(), r.ReadInt64(), r.ReadInt64(),
                r.ReadBoolean(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()));
        }
        var accounts = new List<EngineAccountState>();
        for (var i = Count(r); i > 0; i--)
        {
            var account = r.ReadInt64();
            var tier = r.ReadInt32();
            var positions = ReadLongs(r);
            var resting = ReadLongs(r);
            var pending = ReadLongs(r);
            var protection = new List<EngineProtectionState?>();
            for (var u = Count(r); u > 0; u--)
            {
                if (!r.ReadBoolean())
                {
                    protection.Add(null);
                    continue;
                }
                var (window, quantity, delta, cooldown, frozen) = (r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64());
                var fills = new List<EngineProtectionFill>();
                for (var f = Count(r); f > 0; f--)
                {
                    var (time, lots, high, low) = (r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadUInt64());
                    fills.Add(new EngineProtectionFill(time, lots, ((Int128)high << 64) | low));
                }
                protection.Add(new EngineProtectionState(window, quantity, delta, cooldown, frozen, fills));
            }
            accounts.Add(new EngineAccountState(account, tier, positions, resting, pending, protection));
        }
        return new EngineState(now, sequence, accept, rest, markets, orders, accounts);
    }

    private static void WriteLongs(BinaryWriter w, IReadOnlyList<long> values)
    {
        w.Write(values.Count);
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    private static long[] ReadLongs(BinaryReader r)
    {
        var values = new long[Count(r)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = r.ReadInt64();
        }
        return values;
    }
}
