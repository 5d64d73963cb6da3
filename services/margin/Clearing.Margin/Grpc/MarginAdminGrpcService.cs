using System.Globalization;
using System.Security.Claims;
using Clearing.Contracts.Margin.V1;
using Clearing.Margin.Application;
using Clearing.ServiceDefaults.Operations;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;

namespace Clearing.Margin.Grpc;

/// <summary>clearing.margin.v1.MarginAdmin: operator-only account administration.</summary>
[Callers(Caller.Operator)]
public sealed class MarginAdminGrpcService(CollateralCrediting crediting) : MarginAdmin.MarginAdminBase
{
    /// <summary>decimal holds 28 significant digits; 18 decimals covers every token's smallest unit (wei).</summary>
    private const int MaxDecimals = 18;

    public override async Task<CreditCollateralReply> CreditCollateral(CreditCollateralRequest request, ServerCallContext context)
    {
        var credit = new CollateralCredit(
            InputRules.AccountId(request.AccountId),
            InputRules.Asset(request.Asset),
            PositiveAmount(request.Amount),
            InputRules.Reference(request.Reference),
            OperatorInput.RequireReason(request.Reason));
        var creditedBy = context.GetHttpContext().User.FindFirstValue(ClaimTypes.Name) ?? "unknown";
        CollateralCreditOutcome outcome;
        try
        {
            outcome = await crediting.CreditAsync(credit, creditedBy, context.CancellationToken);
        }
        catch (CreditReferenceConflictException ex)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, ex.Message));
        }

        return new CreditCollateralReply
        {
            AccountId = outcome.Event.AccountId,
            Asset = outcome.Event.Asset,
            Amount = outcome.Event.Amount.ToString(CultureInfo.InvariantCulture),
            EventId = outcome.EventId.ToString(),
            StreamVersion = outcome.StreamVersion,
            AlreadyCredited = outcome.AlreadyCredited,
        };
    }

    private static decimal PositiveAmount(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw OperatorInput.Invalid("amount must be set, as a decimal string such as \"1500.25\"");
        }

        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            throw OperatorInput.Invalid($"amount '{text}' is not a plain decimal number (digits and one '.', no sign or exponent)");
        }

        if (amount <= 0)
        {
            throw OperatorInput.Invalid($"amount must be greater than zero, got '{text}'");
        }

        if (amount.Scale > MaxDecimals)
        {
            throw OperatorInput.Invalid($"amount '{text}' has {amount.Scale} decimals; at most {MaxDecimals} are allowed");
        }

        return amount;
    }
}
