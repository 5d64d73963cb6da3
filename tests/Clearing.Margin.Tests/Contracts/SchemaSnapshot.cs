using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;

namespace Clearing.Margin.Tests.Contracts;

/// <summary>
/// A stable JSON description of protobuf files: every message with its fields (number, name, type, label, oneof)
/// and every enum with its values, sorted, so a diff reads like a schema change.
/// </summary>
internal static class SchemaSnapshot
{
    public static JsonObject Describe(params FileDescriptor[] files)
    {
        var root = new JsonObject();
        foreach (var file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var messages = new JsonObject();
            foreach (var message in AllMessages(file.MessageTypes).OrderBy(m => m.FullName, StringComparer.Ordinal))
            {
                var fields = new JsonObject();
                foreach (var field in message.Fields.InFieldNumberOrder())
                {
                    fields[field.FieldNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
                    {
                        ["name"] = field.Name,
                        ["type"] = TypeOf(field),
                        ["repeated"] = field.IsRepeated,
                        ["oneof"] = field.RealContainingOneof?.Name ?? "",
                    };
                }

                messages[message.FullName] = fields;
            }

            var enums = new JsonObject();
            foreach (var e in file.EnumTypes.Concat(AllMessages(file.MessageTypes).SelectMany(m => m.EnumTypes)).OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                var values = new JsonObject();
                foreach (var value in e.Values.OrderBy(v => v.Number))
                {
                    values[value.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)] = value.Name;
                }

                enums[e.FullName] = values;
            }

            root[file.Name] = new JsonObject { ["package"] = file.Package, ["messages"] = messages, ["enums"] = enums };
        }

        return root;
    }

    public static string ToText(JsonObject snapshot) => snapshot.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>
    /// What <paramref name="current"/> breaks for a reader built on <paramref name="committed"/>: a message, field,
    /// enum or enum value that disappeared, or a field number whose name, type, label or oneof changed. Additions
    /// (new messages, fields, values) are compatible and not reported.
    /// </summary>
    public static IReadOnlyList<string> BreakingChanges(JsonObject committed, JsonObject current)
    {
        var problems = new List<string>();
        foreach (var (fileName, fileNode) in committed)
        {
            if (current[fileName] is not JsonObject currentFile)
            {
                problems.Add($"{fileName}: file removed");
                continue;
            }

            var file = fileNode!.AsObject();
            foreach (var (messageName, fieldsNode) in file["messages"]!.AsObject())
            {
                if (currentFile["messages"]![messageName] is not JsonObject currentFields)
                {
                    problems.Add($"{messageName}: message removed");
                    continue;
                }

                foreach (var (number, fieldNode) in fieldsNode!.AsObject())
                {
                    if (currentFields[number] is not JsonObject currentField)
                    {
                        problems.Add($"{messageName}: field {number} ({fieldNode!["name"]}) removed or renumbered");
                        continue;
                    }

                    foreach (var aspect in new[] { "name", "type", "repeated", "oneof" })
                    {
                        var was = fieldNode![aspect]!.ToJsonString();
                        var now = currentField[aspect]?.ToJsonString();
                        if (was != now)
                        {
                            problems.Add($"{messageName}: field {number} {aspect} changed from {was} to {now}");
                        }
                    }
                }
            }

            foreach (var (enumName, valuesNode) in file["enums"]!.AsObject())
            {
                if (currentFile["enums"]![enumName] is not JsonObject currentValues)
                {
                    problems.Add($"{enumName}: enum removed");
                    continue;
                }

                foreach (var (number, name) in valuesNode!.AsObject())
                {
                    if (currentValues[number]?.ToJsonString() != name!.ToJsonString())
                    {
                        problems.Add($"{enumName}: value {number} ({name}) removed or renamed");
                    }
                }
            }
        }

        return problems;
    }

    private static IEnumerable<MessageDescriptor> AllMessages(IEnumerable<MessageDescriptor> messages) =>
        messages.SelectMany(m => new[] { m }.Concat(AllMessages(m.NestedTypes)));

    private static string TypeOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Message => field.MessageType.FullName,
        FieldType.Enum => field.EnumType.FullName,
        _ => field.FieldType.ToString().ToLowerInvariant(),
    };
}
