using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Governance.Domain.Json;

/// <summary>Source-generated JSON for stored events, the genesis file and proposal documents (camelCase, enums as strings).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(ParameterSet))]
[JsonSerializable(typeof(ParametersChanged))]
[JsonSerializable(typeof(ProposalCreated))]
[JsonSerializable(typeof(ProposalApproved))]
[JsonSerializable(typeof(ProposalQueued))]
[JsonSerializable(typeof(ProposalExecuted))]
[JsonSerializable(typeof(ProposalCancelled))]
[JsonSerializable(typeof(ProposalExpired))]
[JsonSerializable(typeof(GenesisDocument))]
[JsonSerializable(typeof(ProposalDocument))]
[JsonSerializable(typeof(string))]
public sealed partial class GovernanceJsonContext : JsonSerializerContext;

public static class GovernanceJson
{
    /// <summary>Options for stored events and documents; unknown properties are refused so a misspelt field is not silently ignored.</summary>
    public static JsonSerializerOptions Options { get; } = new(GovernanceJsonContext.Default.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The canonical form signed over: the same properties in declaration order, decimals without trailing zeros, no whitespace.</summary>
    public static JsonSerializerOptions Canonical { get; } = new(GovernanceJsonContext.Default.Options)
    {
        Converters = { new NormalizedDecimalConverter(), new NormalizedNullableDecimalConverter() },
        WriteIndented = false,
    };

    public static string CanonicalOf(ParameterSet parameters) => JsonSerializer.Serialize(parameters, Canonical.GetTypeInfo(typeof(ParameterSet)));

    private sealed class NormalizedDecimalConverter : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDecimal();

        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
            writer.WriteRawValue((value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    private sealed class NormalizedNullableDecimalConverter : JsonConverter<decimal?>
    {
        public override decimal? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : reader.GetDecimal();

        public override void Write(Utf8JsonWriter writer, decimal? value, JsonSerializerOptions options)
        {
            if (value is { } v)
            {
                writer.WriteRawValue((v / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
