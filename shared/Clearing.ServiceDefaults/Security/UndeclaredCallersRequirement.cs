using Microsoft.AspNetCore.Authorization;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// The fallback policy's only requirement. ASP.NET Core applies the fallback policy to every endpoint that has
/// no authorization metadata, i.e. no [Callers] and no AllowAnonymous. No handler is registered for this
/// requirement, so it is never met and such an endpoint is refused for everyone, however well authenticated:
/// forgetting a declaration fails closed. <see cref="RefusalResultHandler"/> recognises the policy by this
/// requirement and answers PermissionDenied with <see cref="Reason"/>.
/// </summary>
public sealed class UndeclaredCallersRequirement : IAuthorizationRequirement
{
    public const string Reason = "this endpoint declares no callers, so it is refused by default";
}
