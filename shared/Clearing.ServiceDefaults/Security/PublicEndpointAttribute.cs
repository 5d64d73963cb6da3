using Microsoft.AspNetCore.Authorization;

namespace Clearing.ServiceDefaults.Security;

/// <summary>
/// Declares, with the reason, an endpoint that the transport does not authenticate: public market data, or a command
/// that carries its own proof inside the message (the gateway's orders are signed over their canonical bytes, so a
/// transport signature would only verify a second Ed25519 signature and rule out session keys). The reason is required
/// so that every opening in the deny-by-default rule is a decision someone wrote down, and tests list them.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class PublicEndpointAttribute : Attribute, IAllowAnonymous
{
    public PublicEndpointAttribute(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Reason = reason;
    }

    public string Reason { get; }
}
