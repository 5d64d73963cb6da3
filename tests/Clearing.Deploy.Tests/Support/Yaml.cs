using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Clearing.Deploy.Tests.Support;

/// <summary>YAML as System.Text.Json nodes (scalars stay strings), for checks that need no typed model.</summary>
internal static class Yaml
{
    public static IReadOnlyList<JsonNode> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents
            .Select(d => ToJson(d.RootNode))
            .OfType<JsonNode>()
            .ToList();
    }

    public static JsonNode Document(string yaml) => Documents(yaml).Single();

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => scalar.Value is null || (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "~" or "null")
            ? null
            : JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"unsupported YAML node {node.NodeType}"),
    };
}
