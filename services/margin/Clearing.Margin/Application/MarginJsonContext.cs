using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.Contracts.ReadModels;

namespace Clearing.Margin.Application;

/// <summary>The read model's JSON (the stored events' context is MarginEventTypes, in the domain).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(AccountRiskView))]
internal sealed partial class MarginJsonContext : JsonSerializerContext;
