using System.Security.Claims;
using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// Turns an authorization refusal into an answer the caller can act on: gRPC callers get status Unauthenticated
/// (no or bad credential) or PermissionDenied (valid credential, not a declared caller) with the reason as the
/// status message; HTTP callers get 401/403 with the reason as text. Each refusal is logged for the audit trail.
/// </summary>
internal sealed partial class RefusalResultHandler(ILogger<RefusalResultHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || !(authorizeResult.Challenged || authorizeResult.Forbidden))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        // The policy in force is the fallback one exactly when the endpoint declared nobody. (A challenge carries no
        // failure details, so the policy, not the result, is what tells.)
        var undeclared = policy.Requirements.OfType<UndeclaredCallersRequirement>().Any();
        var authenticated = context.User.Identity?.IsAuthenticated == true;
        var (code, reason) = (undeclared, authenticated) switch
        {
            (true, _) => (StatusCode.PermissionDenied, UndeclaredCallersRequirement.Reason),
            (false, true) => (StatusCode.PermissionDenied, $"{Describe(context.User)} may not call {context.Request.Path}: {AllowedCallers(context)}"),
            _ => (StatusCode.Unauthenticated, context.Items[ClearingAuthenticationHandler.FailureReasonKey] as string
                ?? "no credentials: sign the request (x-clearing-account or x-clearing-operator with x-clearing-signature, -timestamp, -nonce) or present a client certificate"),
        };

        LogRefusal(logger, context.Request.Path, code, context.Connection.RemoteIpAddress?.ToString() ?? "unknown", reason);
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            // A "trailers-only" gRPC response: HTTP 200 with grpc-status in the headers and no body.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = PercentEncode(reason);
            return;
        }

        context.Response.StatusCode = code == StatusCode.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
        if (code == StatusCode.Unauthenticated)
        {
            context.Response.Headers.WWWAuthenticate = "Clearing-Signature";
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason, context.RequestAborted);
    }

    private static string Describe(ClaimsPrincipal user)
    {
        var roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList();
        return $"{string.Join("+", roles)} '{user.Identity?.Name}'";
    }

    private static string AllowedCallers(HttpContext context)
    {
        var declared = context.GetEndpoint()?.Metadata.GetOrderedMetadata<CallersAttribute>() ?? [];
        var callers = declared.SelectMany(d => d.Callers).Distinct().Select(ClearingRoles.Of).ToList();
        return callers.Count == 0 ? "its callers are restricted" : $"allowed callers are {string.Join(", ", callers)}";
    }

    /// <summary>grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2 spec): printable ASCII except '%' passes through.</summary>
    internal static string PercentEncode(string message)
    {
        var builder = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Path} with {Code} for {Remote}: {Reason}")]
    private static partial void LogRefusal(ILogger logger, PathString path, StatusCode code, string remote, string reason);
}
