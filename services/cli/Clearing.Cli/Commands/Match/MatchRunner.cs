using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Cli.Commands.Match;

public sealed record MatchOptions(decimal TickSize, decimal LotSize, bool PrintBook);

/// <summary>
/// The body of <c>clearing match</c>: parse every line first, then run the very engine matching runs in production
/// over them, then print. Output is built in memory and written once, so a bad line anywhere prints nothing but
/// the error. Each market named in the input becomes a perpetual with the given tick and lot, opened in order of
/// first appearance; the line number is the command's timestamp.
/// </summary>
public static class MatchRunner
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Run(TextReader input, TextWriter output, TextWriter error, MatchOptions options)
    {
        List<OrderLine> lines;
        try
        {
            lines = ReadAll(input);
        }
        catch (FormatException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }
        string text;
        try
        {
            text = Execute(lines, options);
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"invalid market settings: {e.Message}");
            return 1;
        }
        output.Write(text);
        output.Flush();
        return 0;
    }

    private static List<OrderLine> ReadAll(TextReader input)
    {
        var lines = new List<OrderLine>();
        var number = 0;
        while (input.ReadLine() is { } text)
        {
            number++;
            if (OrderLineParser.Parse(text, number) is { } line)
            {
                lines.Add(line);
            }
        }
        return lines;
    }

    private static string Execute(List<OrderLine> lines, MatchOptions options)
    {
        var symbols = lines.Select(l => l.Market).Distinct(StringComparer.Ordinal).ToList();
        var lotNano = options.LotSize * InstrumentSpec.NanoUnitsPerUnit;
        var maxLots = lotNano >= 1 && lotNano % 1 == 0
            ? Math.Min(InstrumentSpec.MaxEngineValue, (long.MaxValue / 4 - 1) / decimal.ToInt64(lotNano))
            : 1;
        var specs = symbols.Select(s => new InstrumentSpec
        {
            Symbol = s, Underlying = s, TickSize = options.TickSize, LotSize = options.LotSize,
            MaxOrderLots = maxLots, MaxPriceTicks = InstrumentSpec.MaxEngineValue,
        }).ToList();
        var engine = new MatchingEngine(new EngineConfig
        {
            Instruments = specs.Count > 0 ? specs : [InstrumentSpec.Perpetual("-", "-", options.TickSize, options.LotSize)],
        });
        var marketIndex = symbols.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);
        var ids = new Names();
        var accounts = new Names();
        var buffer = new EventBuffer();
        var sink = new ArrayBufferWriter<byte>();
        foreach (var line in lines)
        {
            var market = marketIndex[line.Market];
            var spec = specs[market];
            var id = ids.Of(line.Id);
            var account = accounts.Of(line.Account);
            EngineCommand command;
            if (line.Kind == CommandKind.Cancel)
            {
                command = EngineCommand.Cancel(line.LineNumber, market, id, account);
            }
            else
            {
                var price = 0L;
                var reason = line.Price is { } p ? spec.TryPriceToTicks(p, out price) : RejectReason.None;
                if (reason == RejectReason.None)
                {
                    reason = spec.TryQuantityToLots(line.Quantity, out _);
                }
                if (reason != RejectReason.None)
                {
                    WriteLine(sink, w => { w.WriteString("type", "rejected"); w.WriteString("id", line.Id); w.WriteString("reason", reason.Code()); });
                    continue;
                }
                spec.TryQuantityToLots(line.Quantity, out var lots);
                var flags = line.PostOnly ? OrderFlags.PostOnly : OrderFlags.None;
                command = line.Type == OrderType.Market
                    ? EngineCommand.MarketOrder(line.LineNumber, market, id, account, line.Side, lots, line.TimeInForce, flags, line.Stp)
                    : EngineCommand.Limit(line.LineNumber, market, id, account, line.Side, price, lots, line.TimeInForce, flags, line.Stp);
            }
            buffer.Clear();
            engine.Process(command, buffer);
            foreach (var e in buffer.AsSpan())
            {
                WriteEvent(sink, e, specs, ids);
            }
        }
        if (options.PrintBook)
        {
            for (var m = 0; m < symbols.Count; m++)
            {
                var book = engine.Book(m);
                var spec = specs[m];
                WriteLine(sink, w =>
                {
                    w.WriteString("type", "book");
                    w.WriteString("market", spec.Symbol);
                    foreach (var (name, entries) in new[] { ("bids", book.Bids), ("asks", book.Asks) })
                    {
                        w.WriteStartArray(name);
                        foreach (var entry in entries)
                        {
                            w.WriteStartArray();
                            w.WriteStringValue(ids.Name(entry.OrderId));
                            w.WriteStringValue(DecimalText.Format(spec.TicksToPrice(entry.Price)));
                            w.WriteStringValue(DecimalText.Format(spec.LotsToQuantity(entry.Remaining)));
                            w.WriteEndArray();
                        }
                        w.WriteEndArray();
                    }
                });
            }
        }
        return Encoding.UTF8.GetString(sink.WrittenSpan);
    }

    private static void WriteEvent(ArrayBufferWriter<byte> sink, MatchEvent e, List<InstrumentSpec> specs, Names ids)
    {
        var spec = specs[Math.Max(0, e.Market)];
        switch (e.Kind)
        {
            case EventKind.Filled:
                WriteLine(sink, w =>
                {
                    w.WriteString("type", "trade");
                    w.WriteString("market", spec.Symbol);
                    w.WriteString("price", DecimalText.Format(spec.TicksToPrice(e.Price)));
                    w.WriteString("qty", DecimalText.Format(spec.LotsToQuantity(e.Quantity)));
                    w.WriteString("maker", ids.Name(e.CounterOrderId));
                    w.WriteString("taker", ids.Name(e.OrderId));
                });
                break;
            case EventKind.Cancelled:
                WriteLine(sink, w =>
                {
                    w.WriteString("type", "cancelled");
                    w.WriteString("id", ids.Name(e.OrderId));
                    w.WriteString("reason", e.CancelReason.Code());
                });
                break;
            case EventKind.Rejected:
                WriteLine(sink, w =>
                {
                    w.WriteString("type", "rejected");
                    w.WriteString("id", ids.Name(e.OrderId));
                    w.WriteString("reason", e.RejectReason.Code());
                });
                break;
            case EventKind.Rested:
                WriteLine(sink, w =>
                {
                    w.WriteString("type", "rested");
                    w.WriteString("id", ids.Name(e.OrderId));
                    w.WriteString("market", spec.Symbol);
                    w.WriteString("side", e.Side.Code());
                    w.WriteString("price", DecimalText.Format(spec.TicksToPrice(e.Price)));
                    w.WriteString("qty", DecimalText.Format(spec.LotsToQuantity(e.Remaining)));
                });
                break;
            default:
                // Accepted is implied by what follows it; the input has no amends, marks or status changes.
                break;
        }
    }

    private static void WriteLine(ArrayBufferWriter<byte> sink, Action<Utf8JsonWriter> body)
    {
        using (var writer = new Utf8JsonWriter(sink, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        sink.Write("\n"u8);
    }

    /// <summary>Interns the input's string ids as the engine's integer ids, and back.</summary>
    private sealed class Names
    {
        private readonly Dictionary<string, long> _ids = new(StringComparer.Ordinal);
        private readonly List<string> _names = [];

        public long Of(string name)
        {
            if (!_ids.TryGetValue(name, out var id))
            {
                id = _names.Count + 1;
                _ids.Add(name, id);
                _names.Add(name);
            }
            return id;
        }

        public string Name(long id) => _names[(int)id - 1];
    }
}
