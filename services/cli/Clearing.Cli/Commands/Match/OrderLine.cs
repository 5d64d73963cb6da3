using System.Text.Json;
using Clearing.Matching.Domain;
using Clearing.Matching.Domain.Instruments;

namespace Clearing.Cli.Commands.Match;

/// <summary>One parsed input line of <c>clearing match</c>; prices and quantities stay exact decimals until a market converts them.</summary>
public sealed record OrderLine(
    int LineNumber,
    CommandKind Kind,
    string Id,
    string Account,
    string Market,
    Side Side,
    OrderType Type,
    decimal? Price,
    decimal Quantity,
    TimeInForce TimeInForce,
    bool PostOnly,
    SelfTradePrevention Stp);

/// <summary>
/// Strict reader for the JSON-lines input: every field is checked for presence and type, unknown fields are errors
/// (a typo such as "postonly" must not be silently ignored), and the message always names the line.
/// </summary>
public static class OrderLineParser
{
    private static readonly HashSet<string> PlaceFields = ["type", "id", "account", "market", "side", "kind", "price", "qty", "tif", "postOnly", "stp"];
    private static readonly HashSet<string> CancelFields = ["type", "id", "account", "market"];

    /// <summary>Returns the parsed line, or null for a blank line; throws <see cref="FormatException"/> naming the line otherwise.</summary>
    public static OrderLine? Parse(string text, int lineNumber)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            // The parser's own position text counts lines from zero within this one line; the character position is what helps.
            var reason = e.Message.Split(" LineNumber:")[0].TrimEnd();
            throw Error(lineNumber, $"not valid JSON at character {e.BytePositionInLine + 1}: {reason}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(lineNumber, "expected a JSON object");
            }
            var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!fields.TryAdd(property.Name, property.Value))
                {
                    throw Error(lineNumber, $"field \"{property.Name}\" appears twice");
                }
            }
            var type = RequiredString(fields, "type", lineNumber);
            var allowed = type switch
            {
                "place" => PlaceFields,
                "cancel" => CancelFields,
                _ => throw Error(lineNumber, $"\"type\" must be \"place\" or \"cancel\", got \"{type}\""),
            };
            var unknown = fields.Keys.FirstOrDefault(k => !allowed.Contains(k));
            if (unknown is not null)
            {
                throw Error(lineNumber, $"unknown field \"{unknown}\" for a {type} line");
            }
            var id = RequiredString(fields, "id", lineNumber);
            var account = RequiredString(fields, "account", lineNumber);
            var market = RequiredString(fields, "market", lineNumber);
            if (type == "cancel")
            {
                return new OrderLine(lineNumber, CommandKind.Cancel, id, account, market, Side.Buy, OrderType.Limit, null, 0,
                    TimeInForce.GoodTillCancel, false, SelfTradePrevention.CancelMaker);
            }
            var side = RequiredString(fields, "side", lineNumber) switch
            {
                "buy" => Side.Buy,
                "sell" => Side.Sell,
                var other => throw Error(lineNumber, $"\"side\" must be \"buy\" or \"sell\", got \"{other}\""),
            };
            var kind = RequiredString(fields, "kind", lineNumber) switch
            {
                "limit" => OrderType.Limit,
                "market" => OrderType.Market,
                var other => throw Error(lineNumber, $"\"kind\" must be \"limit\" or \"market\", got \"{other}\""),
            };
            decimal? price = null;
            var hasPrice = fields.TryGetValue("price", out var priceElement) && priceElement.ValueKind != JsonValueKind.Null;
            if (kind == OrderType.Limit)
            {
                price = hasPrice ? Decimal(priceElement, "price", lineNumber) : throw Error(lineNumber, "a limit order needs \"price\"");
            }
            else if (hasPrice)
            {
                throw Error(lineNumber, "a market order takes no \"price\"");
            }
            var quantity = fields.TryGetValue("qty", out var qtyElement)
                ? Decimal(qtyElement, "qty", lineNumber)
                : throw Error(lineNumber, "missing \"qty\"");
            var tif = OptionalString(fields, "tif", lineNumber) switch
            {
                null => kind == OrderType.Market ? TimeInForce.ImmediateOrCancel : TimeInForce.GoodTillCancel,
                "GTC" => TimeInForce.GoodTillCancel,
                "IOC" => TimeInForce.ImmediateOrCancel,
                "FOK" => TimeInForce.FillOrKill,
                var other => throw Error(lineNumber, $"\"tif\" must be \"GTC\", \"IOC\" or \"FOK\", got \"{other}\""),
            };
            var postOnly = false;
            if (fields.TryGetValue("postOnly", out var postOnlyElement))
            {
                postOnly = postOnlyElement.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Error(lineNumber, "\"postOnly\" must be true or false"),
                };
            }
            var stp = OptionalString(fields, "stp", lineNumber) switch
            {
                null or "cancel-maker" => SelfTradePrevention.CancelMaker,
                "cancel-taker" => SelfTradePrevention.CancelTaker,
                "cancel-both" => SelfTradePrevention.CancelBoth,
                var other => throw Error(lineNumber, $"\"stp\" must be \"cancel-maker\", \"cancel-taker\" or \"cancel-both\", got \"{other}\""),
            };
            return new OrderLine(lineNumber, CommandKind.Place, id, account, market, side, kind, price, quantity, tif, postOnly, stp);
        }
    }

    private static FormatException Error(int lineNumber, string message) => new($"line {lineNumber}: {message}");

    private static string RequiredString(Dictionary<string, JsonElement> fields, string name, int lineNumber)
    {
        if (!fields.TryGetValue(name, out var element))
        {
            throw Error(lineNumber, $"missing \"{name}\"");
        }
        return NonEmptyString(element, name, lineNumber);
    }

    private static string? OptionalString(Dictionary<string, JsonElement> fields, string name, int lineNumber) =>
        fields.TryGetValue(name, out var element) && element.ValueKind != JsonValueKind.Null ? NonEmptyString(element, name, lineNumber) : null;

    private static string NonEmptyString(JsonElement element, string name, int lineNumber)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw Error(lineNumber, $"\"{name}\" must be a string");
        }
        var value = element.GetString()!;
        return value.Length > 0 ? value : throw Error(lineNumber, $"\"{name}\" is empty");
    }

    private static decimal Decimal(JsonElement element, string name, int lineNumber)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw Error(lineNumber, $"\"{name}\" must be a decimal string such as \"0.1\"");
        }
        return DecimalText.TryParse(element.GetString(), out var value, out var error)
            ? value
            : throw Error(lineNumber, $"\"{name}\": {error}");
    }
}
