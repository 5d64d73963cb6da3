using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Clearing.Cli.Commands;

/// <summary>Proposal files: JSON as is, YAML (.yaml/.yml) converted to the same JSON shape first.</summary>
internal static class GovDocuments
{
    public static string ReadAsJson(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new GovCliException($"No proposal file at {file.FullName}.");
        }

        var text = File.ReadAllText(file.FullName);
        return file.Extension.ToLowerInvariant() is ".yaml" or ".yml" ? YamlToJson(text, file.Name) : text;
    }

    /// <summary>
    /// Plain scalars that read as numbers, booleans or null become JSON numbers, booleans and null (so "0.012" stays an
    /// exact decimal); quoted scalars are always strings.
    /// </summary>
    public static string YamlToJson(string yaml, string name)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new GovCliException($"{name} is not valid YAML: {ex.Message}");
        }

        if (stream.Documents.Count != 1)
        {
            throw new GovCliException($"{name} must hold exactly one YAML document.");
        }

        return (Convert(stream.Documents[0].RootNode) ?? new JsonObject()).ToJsonString();
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", Convert(p.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new GovCliException($"unsupported YAML node at {node.Start}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null")
        {
            return null;
        }

        if (value is "true" or "false")
        {
            return JsonValue.Create(value == "true");
        }

        return decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(value);
    }
}
