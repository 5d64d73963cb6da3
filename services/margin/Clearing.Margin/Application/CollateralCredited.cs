using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;

namespace Clearing.Margin.Application;

/// <summary>
/// An operator credited collateral to an account (a confirmed deposit, a correction). Stored in "account-{id}".
/// Lives in the host until the account aggregate in Clearing.Margin.Domain takes it over (same type name).
/// </summary>
[EventType("margin.collateral-credited.v1")]
public sealed record CollateralCredited(
    string AccountId,
    string Asset,
    decimal Amount,
    string Reference,
    string Reason,
    string CreditedBy,
    DateTimeOffset CreditedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CollateralCredited))]
internal sealed partial class MarginHostJsonContext : JsonSerializerContext;
