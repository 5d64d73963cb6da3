using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Clearing.Dapr.PubSub;

/// <summary>
/// The structured-mode CloudEvents 1.0 JSON form. Publishing our own envelope (content type
/// <c>application/cloudevents+json</c>) is the Dapr way to keep attributes its metadata overrides cannot carry:
/// subject, time and the correlation / causation extensions. daprd forwards such an envelope as-is, adding only
/// topic, pubsubname and trace attributes.
/// </summary>
public static class CloudEventJson
{
    public const string ContentType = "application/cloudevents+json";
    public const string SpecVersion = "1.0";
    public const string CorrelationIdAttribute = "correlationid";
    public const string CausationIdAttribute = "causationid";

    public static byte[] Serialize(OutgoingEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var buffer = new ArrayBufferWriter<byte>(256 + @event.Data.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", SpecVersion);
            writer.WriteString("id", @event.Id);
            writer.WriteString("source", @event.Source);
            writer.WriteString("type", @event.Type);
            writer.WriteString("subject", @event.Subject);
            writer.WriteString("time", @event.Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("datacontenttype", @event.DataContentType);
            if (@event.CorrelationId is not null)
            {
                writer.WriteString(CorrelationIdAttribute, @event.CorrelationId);
            }

            if (@event.CausationId is not null)
            {
                writer.WriteString(CausationIdAttribute, @event.CausationId);
            }

            if (IsJson(@event.DataContentType))
            {
                writer.WritePropertyName("data");
                writer.WriteRawValue(@event.Data.Span, skipInputValidation: false);
            }
            else
            {
                writer.WriteBase64String("data_base64", @event.Data.Span);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a structured CloudEvent as daprd delivers it to an HTTP subscriber. <paramref name="topic"/> and
    /// <paramref name="pubSubName"/> fill in when the envelope lacks Dapr's own topic / pubsubname attributes.
    /// </summary>
    public static ReceivedEvent Parse(ReadOnlySpan<byte> json, string topic, string pubSubName)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("A CloudEvent must be a JSON object.");
        }

        var contentType = OptionalString(root, "datacontenttype") ?? "application/json";
        return new ReceivedEvent
        {
            Id = RequiredString(root, "id"),
            Source = RequiredString(root, "source"),
            Type = RequiredString(root, "type"),
            Subject = OptionalString(root, "subject"),
            Time = OptionalString(root, "time") is { } time
                ? DateTimeOffset.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
                : null,
            Topic = OptionalString(root, "topic") ?? topic,
            PubSubName = OptionalString(root, "pubsubname") ?? pubSubName,
            DataContentType = contentType,
            Data = ReadData(root, contentType),
            CorrelationId = OptionalString(root, CorrelationIdAttribute),
            CausationId = OptionalString(root, CausationIdAttribute),
        };
    }

    public static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] ReadData(JsonElement root, string contentType)
    {
        if (root.TryGetProperty("data_base64", out var base64) && base64.ValueKind == JsonValueKind.String)
        {
            return base64.GetBytesFromBase64();
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        // A non-JSON payload (text/plain, application/xml) arrives as a JSON string holding the text.
        return data.ValueKind == JsonValueKind.String && !IsJson(contentType)
            ? Encoding.UTF8.GetBytes(data.GetString()!)
            : Encoding.UTF8.GetBytes(data.GetRawText());
    }

    private static string RequiredString(JsonElement root, string name) =>
        OptionalString(root, name) ?? throw new FormatException($"The CloudEvent has no '{name}' attribute.");

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
