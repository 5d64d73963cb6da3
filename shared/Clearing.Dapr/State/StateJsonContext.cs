using System.Text.Json.Serialization;

namespace Clearing.Dapr.State;

[JsonSerializable(typeof(string[]))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
