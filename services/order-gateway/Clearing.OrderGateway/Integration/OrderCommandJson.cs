using System.Buffers;
using System.Globalization;
using Clearing.Contracts.Orders.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Clearing.OrderGateway.Integration;

/// <summary>
/// The protobuf JSON of an OrderCommand exactly as <see cref="JsonFormatter"/> (default values left out) writes it,
/// written field by field: the reflective formatter, with its boxed values and growing StringBuilder, was the largest
/// single allocation of an admitted order (about 2 KB each). Only commands whose every string is plain (letters,
/// digits and a few punctuation marks that JSON never escapes) and whose enums are known take the direct path; any
/// other command is written by the formatter itself, so the stored text never depends on which path wrote it. A test
/// holds the two equal over generated commands of every kind.
/// </summary>
internal static class OrderCommandJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    private static readonly string[] Sides = NamesOf("Side");
    private static readonly string[] Kinds = NamesOf("OrderKind");
    private static readonly string[] TimesInForce = NamesOf("TimeInForce");
    private static readonly string[] SelfTradePreventions = NamesOf("SelfTradePrevention");
    private static readonly string[] MarginModes = NamesOf("MarginMode");
    private static readonly string[] Origins = NamesOf("Origin");

    /// <summary>Room for the field names, punctuation, enum names and two int64s, beyond the strings themselves.</summary>
    private const int FixedRoom = 640;

    public static string Format(OrderCommand command) => TryFormatDirect(command) ?? Formatter.Format(command);

    /// <summary>The direct path; null when the command holds anything it leaves to the formatter.</summary>
    internal static string? TryFormatDirect(OrderCommand c)
    {
        if (!Writable(c, out var stringChars))
        {
            return null;
        }

        var buffer = ArrayPool<char>.Shared.Rent(FixedRoom + stringChars);
        try
        {
            var w = new Writer(buffer);
            w.Open();
            w.String("commandId", c.CommandId);
            w.String("market", c.Market);
            w.String("accountId", c.AccountId);
            w.Int64("timeUnixNanos", c.TimeUnixNanos);
            w.Enum("origin", Origins, (int)c.Origin);
            switch (c.CommandCase)
            {
                case OrderCommand.CommandOneofCase.Place:
                    var p = c.Place;
                    w.Name("place");
                    w.Open();
                    w.String("orderId", p.OrderId);
                    w.Enum("side", Sides, (int)p.Side);
                    w.Enum("kind", Kinds, (int)p.Kind);
                    w.String("price", p.Price);
                    w.String("quantity", p.Quantity);
                    w.Enum("timeInForce", TimesInForce, (int)p.TimeInForce);
                    w.Int64("expireAtUnixNanos", p.ExpireAtUnixNanos);
                    w.Bool("postOnly", p.PostOnly);
                    w.Bool("reduceOnly", p.ReduceOnly);
                    w.Enum("stp", SelfTradePreventions, (int)p.Stp);
                    w.String("triggerPrice", p.TriggerPrice);
                    w.Enum("marginMode", MarginModes, (int)p.MarginMode);
                    w.String("isolatedCollateral", p.IsolatedCollateral);
                    w.String("collateralAsset", p.CollateralAsset);
                    w.Bool("mmp", p.Mmp);
                    w.Close();
                    break;
                case OrderCommand.CommandOneofCase.Cancel:
                    w.Name("cancel");
                    w.Open();
                    w.String("orderId", c.Cancel.OrderId);
                    w.Close();
                    break;
                case OrderCommand.CommandOneofCase.Amend:
                    w.Name("amend");
                    w.Open();
                    w.String("orderId", c.Amend.OrderId);
                    w.String("newPrice", c.Amend.NewPrice);
                    w.String("newQuantity", c.Amend.NewQuantity);
                    w.Close();
                    break;
                case OrderCommand.CommandOneofCase.CancelAll:
                    w.Name("cancelAll");
                    w.Open();
                    w.Close();
                    break;
            }

            w.Close();
            return w.ToString();
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// True when the direct path writes the same text as the formatter: every enum a named value and every string
    /// plain (unknown fields the formatter never writes). <paramref name="stringChars"/> is the strings' total length.
    /// </summary>
    private static bool Writable(OrderCommand c, out int stringChars)
    {
        stringChars = 0;
        if (!Plain(c.CommandId, ref stringChars) || !Plain(c.Market, ref stringChars) || !Plain(c.AccountId, ref stringChars)
            || !Known(Origins, (int)c.Origin))
        {
            return false;
        }

        return c.CommandCase switch
        {
            OrderCommand.CommandOneofCase.Place => c.Place is var p
                && Plain(p.OrderId, ref stringChars) && Plain(p.Price, ref stringChars) && Plain(p.Quantity, ref stringChars)
                && Plain(p.TriggerPrice, ref stringChars) && Plain(p.IsolatedCollateral, ref stringChars) && Plain(p.CollateralAsset, ref stringChars)
                && Known(Sides, (int)p.Side) && Known(Kinds, (int)p.Kind) && Known(TimesInForce, (int)p.TimeInForce)
                && Known(SelfTradePreventions, (int)p.Stp) && Known(MarginModes, (int)p.MarginMode),
            OrderCommand.CommandOneofCase.Cancel => Plain(c.Cancel.OrderId, ref stringChars),
            OrderCommand.CommandOneofCase.Amend => Plain(c.Amend.OrderId, ref stringChars) && Plain(c.Amend.NewPrice, ref stringChars) && Plain(c.Amend.NewQuantity, ref stringChars),
                        _ => true,
        };
    }

    /// <summary>Letters, digits and "-_.:@/+#~" only: the characters the formatter writes as themselves (a test checks each).</summary>
    internal static bool IsPlain(char ch) =>
        char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' or ':' or '@' or '/' or '+' or '#' or '~';

    private static bool Plain(string text, ref int chars)
    {
        foreach (var ch in text)
        {
            if (!IsPlain(ch))
            {
                return false;
            }
        }

        chars += text.Length;
        return true;
    }

    private static bool Known(string[] names, int number) => number >= 0 && number < names.Length && names[number] is not null;

    private static string[] NamesOf(string enumName)
    {
        var descriptor = OrderCommand.Descriptor.File.FindTypeByName<EnumDescriptor>(enumName);
        var names = new string[descriptor.Values.Max(v => v.Number) + 1];
        foreach (var value in descriptor.Values)
        {
            names[value.Number] = value.Name;
        }

        return names;
    }

    /// <summary>The formatter's layout: <c>{ "a": "x", "b": { } }</c>, a space inside braces and after each colon and comma.</summary>
    private ref struct Writer(char[] buffer)
    {
        private readonly Span<char> _buffer = buffer;
        private int _length;
        private bool _first;

        public void Open()
        {
            Append("{ ");
            _first = true;
        }

        public void Close()
        {
            // "{ }" for an empty message: the opening brace already wrote its space.
            Append(_first ? "}" : " }");
            _first = false;
        }

        public void Name(string name)
        {
            Append(_first ? "\"" : ", \"");
            Append(name);
            Append("\": ");
            _first = false;
        }

        public void String(string name, string value)
        {
            if (value.Length == 0)
            {
                return;
            }

            Name(name);
            Append("\"");
            Append(value);
            Append("\"");
        }

        public void Int64(string name, long value)
        {
            if (value == 0)
            {
                return;
            }

            Name(name);
            Append("\"");
            value.TryFormat(_buffer[_length..], out var written, default, CultureInfo.InvariantCulture);
            _length += written;
            Append("\"");
        }

        public void Bool(string name, bool value)
        {
            if (value)
            {
                Name(name);
                Append("true");
            }
        }

        public void Enum(string name, string[] names, int number)
        {
            if (number == 0)
            {
                return;
            }

            Name(name);
            Append("\"");
            Append(names[number]);
            Append("\"");
        }

        public override readonly string ToString() => new(_buffer[.._length]);

        private void Append(string text)
        {
            text.CopyTo(_buffer[_length..]);
            _length += text.Length;
        }
    }
}
