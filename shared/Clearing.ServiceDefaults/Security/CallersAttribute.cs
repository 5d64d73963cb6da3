using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// Declares who may call a gRPC service or method (or, through <see cref="CallerEndpointExtensions.RequireCallers{TBuilder}"/>,
/// an HTTP endpoint). It is ordinary authorization metadata (roles), so ASP.NET Core's authorization middleware
/// enforces it; an endpoint without it hits the fallback policy, which refuses everyone.
/// Declarations combine like [Authorize]: one on the service AND one on a method must both be satisfied, so put
/// it on the service for a uniform API, or on each method, not both.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class CallersAttribute : Attribute, IAuthorizeData
{
    public CallersAttribute(params Caller[] callers)
    {
        if (callers is null || callers.Length == 0)
        {
            throw new ArgumentException("Declare at least one caller; an endpoint nobody may call should not exist.", nameof(callers));
        }

        Callers = callers.Distinct().ToArray();
        Roles = string.Join(',', Callers.Select(ClearingRoles.Of));
    }

    public IReadOnlyList<Caller> Callers { get; }

    public string? Policy { get; set; }

    public string? Roles { get; set; }

    public string? AuthenticationSchemes { get; set; }
}

public static class CallerEndpointExtensions
{
    /// <summary>Declares the callers of a minimal-API or other routed endpoint.</summary>
    public static TBuilder RequireCallers<TBuilder>(this TBuilder builder, params Caller[] callers)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new CallersAttribute(callers));
}
