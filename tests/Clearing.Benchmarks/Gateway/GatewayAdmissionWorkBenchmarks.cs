extern alias gateway;

using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Clearing.EventSourcing;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using gateway::Clearing.OrderGateway.Application;
using gateway::Clearing.OrderGateway.Integration;
using Google.Protobuf;

namespace Clearing.Benchmarks.Gateway;

/// <summary>
/// What admission computes for one accepted order besides the store round trip: the canonical bytes and their session
/// MAC check, the content hash, the public command, its stored protobuf JSON, the stored event and its id, and the
/// command bytes handed to the relay. Baseline: the session-7 code (two heap encodings with amounts as strings, Google's
/// JsonFormatter, the event id hashed from heap arrays; copied below). New: one encoding in stack memory with the hash
/// taken from it, OrderCommandJson, the id hashed on the stack.
/// Run: <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*GatewayAdmissionWork*'</c>.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
[MemoryDiagnoser]
public class GatewayAdmissionWorkBenchmarks
{
    private const long Now = 1_700_000_000_000_000_000;
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private GatewayCommand _command = null!;
    private byte[] _mac = null!;

    [GlobalSetup]
    public void Setup()
    {
        _command = new GatewayCommand
        {
            Kind = CommandKind.Place, AccountId = "taker-07", Market = "BTC-PERP", Nonce = "n-000000000123", ExpiresAtUnixNanos = 1_800_000_000_000_000_000,
            OrderId = "t-07-123", Side = OrderSide.Buy, Type = OrderType.Limit, Price = 100_150.5m, Quantity = 0.012m,
            TimeInForce = OrderTimeInForce.Ioc, SelfTrade = SelfTradeMode.CancelTaker, MarginMode = MarginMode.Cross,
        };
        _mac = HMACSHA256.HashData(_secret, CanonicalOrderEncoding.Encode(_command));
        if (!Previous().Data.Span.SequenceEqual(Current().Data.Span))
        {
            throw new InvalidOperationException("the two paths must store the same event");
        }
    }

    [Benchmark(Baseline = true)]
    public EventData Previous()
    {
        var canonical = PreviousEncoding.Encode(_command);
        Verify(canonical);
        var contentHash = PreviousEncoding.ContentHash(_command);
        return Store(contentHash, Formatter.Format, PreviousEventIdFor);
    }

    [Benchmark]
    public EventData Current()
    {
        string contentHash;
        using (var signed = CanonicalOrderEncoding.EncodeSigned(_command, stackalloc byte[CanonicalOrderEncoding.ScratchBytes]))
        {
            Verify(signed.Bytes);
            contentHash = signed.ContentHash();
        }

        return Store(contentHash, OrderCommandMapping.ToJson, GatewayEvents.EventIdFor);
    }

    private void Verify(ReadOnlySpan<byte> canonical)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_secret, canonical, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, _mac))
        {
            throw new InvalidOperationException("the MAC must verify");
        }
    }

    private EventData Store(string contentHash, Func<Contracts.Orders.V1.OrderCommand, string> json, Func<string, Guid> eventId)
    {
        var commandId = $"gw:{_command.AccountId}:{_command.Nonce}";
        var proto = OrderCommandMapping.ToProto(_command, commandId, Now);
        var accepted = new CommandAccepted(_command.AccountId, _command.Market, commandId, OrderCommandMapping.KindName(_command.Kind), _command.OrderId,
            contentHash, _command.Nonce, _command.ExpiresAtUnixNanos, Now, json(proto));
        var stored = GatewayEvents.Serializer.Serialize(accepted, eventId: eventId(commandId));
        GC.KeepAlive(proto.ToByteArray());
        return stored;
    }

    private static Guid PreviousEventIdFor(string name)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The session-7 canonical encoder, as it was: a heap writer per encoding, amounts as strings.</summary>
    private static class PreviousEncoding
    {
        public static byte[] Encode(GatewayCommand command)
        {
            var writer = new Writer().String(CanonicalOrderEncoding.Version).Byte((byte)command.Kind).String(command.AccountId).String(command.Nonce)
                .Int64(command.ExpiresAtUnixNanos);
            WriteContent(writer, command);
            return writer.ToArray();
        }

        public static string ContentHash(GatewayCommand command)
        {
            var writer = new Writer().Byte((byte)command.Kind).String(command.AccountId);
            WriteContent(writer, command);
            return Convert.ToHexStringLower(SHA256.HashData(writer.ToArray()));
        }

        private static void WriteContent(Writer writer, GatewayCommand c)
        {
            writer.String(c.Market);
            switch (c.Kind)
            {
                case CommandKind.Place:
                    writer.String(c.OrderId).Byte((byte)c.Side).Byte((byte)c.Type).Decimal(c.Price).Decimal(c.Quantity)
                        .Byte((byte)c.TimeInForce).Int64(c.GoodTillUnixNanos).Bool(c.PostOnly).Bool(c.ReduceOnly)
                        .Byte((byte)c.SelfTrade).Decimal(c.TriggerPrice).Byte((byte)c.MarginMode)
                        .Decimal(c.IsolatedCollateral).String(c.CollateralAsset);
                    if (c.Mmp)
                    {
                        writer.Bool(true);
                    }

                    break;
                case CommandKind.Cancel:
                    writer.String(c.OrderId);
                    break;
                case CommandKind.Amend:
                    writer.String(c.OrderId).Decimal(c.Price).Decimal(c.Quantity);
                    break;
                default:
                    break;
            }
        }

        private sealed class Writer
        {
            private byte[] _buffer = new byte[256];
            private int _length;

            public Writer String(string value)
            {
                var count = System.Text.Encoding.UTF8.GetByteCount(value);
                Ensure(2 + count);
                BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length), (ushort)count);
                _length += 2;
                _length += System.Text.Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
                return this;
            }

            public Writer Int64(long value)
            {
                Ensure(8);
                BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_length), value);
                _length += 8;
                return this;
            }

            public Writer Byte(byte value)
            {
                Ensure(1);
                _buffer[_length++] = value;
                return this;
            }

            public Writer Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

            public Writer Decimal(decimal? value) => String(DecimalText.Format(value));

            public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

            private void Ensure(int more)
            {
                if (_length + more > _buffer.Length)
                {
                    Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
                }
            }
        }
    }
}

/// <summary>
/// The gateway's depth book fed one matching event's worth of depth inputs (an order rests, a fill reduces the maker and
/// takes the taker off, the rest is cancelled): building the delta for subscribers (baseline, what every event cost
/// whether or not anyone subscribed) vs moving the book and its sequence without describing the change (what a market
/// without depth subscribers now pays).
/// Run: <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*GatewayDepthBook*'</c>.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
[MemoryDiagnoser]
public class GatewayDepthBookBenchmarks
{
    private readonly Clearing.OrderGateway.Domain.Depth.DepthBook _described = new("BTC-PERP");
    private readonly Clearing.OrderGateway.Domain.Depth.DepthBook _quiet = new("BTC-PERP");
    private Clearing.OrderGateway.Domain.Depth.DepthInput[][] _events = null!;
    private long _sequence;

    [GlobalSetup]
    public void Setup()
    {
        // A standing book of 200 levels a side, then one order's life per operation.
        for (var i = 0; i < 200; i++)
        {
            _described.Apply(++_sequence, [new Clearing.OrderGateway.Domain.Depth.DepthInput.Rested("mm", $"b{i}", OrderSide.Buy, 100_000m - i, 1m)]);
            _described.Apply(++_sequence, [new Clearing.OrderGateway.Domain.Depth.DepthInput.Rested("mm", $"a{i}", OrderSide.Sell, 100_001m + i, 1m)]);
            _quiet.ApplyWithoutDelta(_sequence - 1, [new Clearing.OrderGateway.Domain.Depth.DepthInput.Rested("mm", $"b{i}", OrderSide.Buy, 100_000m - i, 1m)]);
            _quiet.ApplyWithoutDelta(_sequence, [new Clearing.OrderGateway.Domain.Depth.DepthInput.Rested("mm", $"a{i}", OrderSide.Sell, 100_001m + i, 1m)]);
        }

        _events =
        [
            [new Clearing.OrderGateway.Domain.Depth.DepthInput.Rested("t", "x", OrderSide.Buy, 99_990m, 0.5m)],
            [new Clearing.OrderGateway.Domain.Depth.DepthInput.Reduced("mm", "a0", 0.75m), new Clearing.OrderGateway.Domain.Depth.DepthInput.Reduced("t2", "y", 0m)],
            [new Clearing.OrderGateway.Domain.Depth.DepthInput.Removed("t", "x")],
            [new Clearing.OrderGateway.Domain.Depth.DepthInput.Reduced("mm", "a0", 1m)],
        ];
    }

    [Benchmark(Baseline = true)]
    public int Described()
    {
        var levels = 0;
        foreach (var inputs in _events)
        {
            levels += _described.Apply(++_sequence, inputs) is { } delta ? delta.Bids.Count + delta.Asks.Count : 0;
        }

        return levels;
    }

    [Benchmark]
    public int Undescribed()
    {
        var changed = 0;
        foreach (var inputs in _events)
        {
            changed += _quiet.ApplyWithoutDelta(++_sequence, inputs) ? 1 : 0;
        }

        return changed;
    }
}
