using Grpc.Core;

namespace Clearing.ServiceDefaults.Operations;

/// <summary>Input checks shared by operator endpoints; failures are gRPC InvalidArgument with the reason.</summary>
public static class OperatorInput
{
    public const int MaxReasonLength = 500;

    /// <summary>Every privileged action records why it was taken; an empty reason is refused.</summary>
    public static string RequireReason(string? reason)
    {
        var trimmed = reason?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw Invalid("reason must be set: privileged actions are recorded with why they were taken");
        }

        if (trimmed.Length > MaxReasonLength)
        {
            throw Invalid($"reason must be at most {MaxReasonLength} characters (got {trimmed.Length})");
        }

        return trimmed;
    }

    public static RpcException Invalid(string reason) => new(new Status(StatusCode.InvalidArgument, reason));
}
