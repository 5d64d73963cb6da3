using Microsoft.AspNetCore.Authorization;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// The fallback policy's only requirement. ASP.NET Core applies the fallback policy to every endpoint that has
/// no authorization metadata, i.e. no [Callers] and no AllowAnonymous; this requirement can never be met, so such
/// an endpoint is refused for everyone, however well authenticated. Forgetting a declaration fails closed.
/// </summary>
public sealed class UndeclaredCallersRequirement : IAuthorizationRequirement
{
    public const string Reason = "this endpoint declares no callers, so it is refused by default";
}

internal sealed class UndeclaredCallersHandler : AuthorizationHandler<UndeclaredCallersRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, UndeclaredCallersRequirement requirement)
    {
        context.Fail(new AuthorizationFailureReason(this, UndeclaredCallersRequirement.Reason));
        return Task.CompletedTask;
    }
}
