using System.Globalization;
using System.Security.Claims;
using Clearing.Contracts.Margin.V1;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Margin.Integration;
using Clearing.ServiceDefaults.Operations;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;

namespace Clearing.Margin.Grpc;

/// <summary>clearing.margin.v1.Accounts: collateral in and out, and the account's current risk.</summary>
public sealed class AccountsGrpcService(AccountBook book, WithdrawalPauseBook pauses, TimeProvider time) : Accounts.AccountsBase
{
    /// <summary>Trailer naming why a call was refused when the status alone does not ("withdrawals-paused").</summary>
    public const string RefusalTrailer = "clearing-refusal";

    private const int MaxDecimals = 18;

    [Callers(Caller.Operator, Caller.Service)]
    public override async Task<MoneyReply> Deposit(DepositRequest request, ServerCallContext context)
    {
        var accountId = InputRules.AccountId(request.AccountId);
        var command = new Deposit(accountId, InputRules.Asset(request.Asset), PositiveAmount(request.Amount), InputRules.Reference(request.Reference), time.GetUtcNow());
        return await RunAsync(accountId, command.Asset, (state, prices) => book.Decider.Decide(state, command, prices), context);
    }

    [Callers(Caller.Trader, Caller.Operator)]
    public override async Task<MoneyReply> Withdraw(WithdrawRequest request, ServerCallContext context)
    {
        var accountId = OwnAccount(InputRules.AccountId(request.AccountId), context);
        var command = new Withdraw(accountId, InputRules.Asset(request.Asset), PositiveAmount(request.Amount), InputRules.Reference(request.Reference), time.GetUtcNow());
        return await RunAsync(accountId, command.Asset, (state, prices) => book.Decider.Decide(state, command, prices, pauses.Current), context);
    }

    [Callers(Caller.Trader, Caller.Operator)]
    public override async Task<MoneyReply> Transfer(TransferRequest request, ServerCallContext context)
    {
        var from = OwnAccount(InputRules.AccountId(request.FromAccountId), context);
        var to = OwnAccount(InputRules.AccountId(request.ToAccountId), context);
        var command = new TransferBetweenSubAccounts(from, to, InputRules.Asset(request.Asset), PositiveAmount(request.Amount), InputRules.Reference(request.Reference), time.GetUtcNow());
        return await RunAsync(from, command.Asset, (state, prices) => book.Decider.Decide(state, command, prices), context);
    }

    [Callers(Caller.Trader, Caller.Operator)]
    public override async Task<MoneyReply> DepositToVault(VaultDepositRequest request, ServerCallContext context)
    {
        var accountId = OwnAccount(InputRules.AccountId(request.AccountId), context);
        var command = new DepositToVault(accountId, InputRules.AccountId(request.VaultAccountId), InputRules.Asset(request.Asset), PositiveAmount(request.Amount),
            InputRules.Reference(request.Reference), time.GetUtcNow());
        return await RunAsync(accountId, command.Asset, (state, prices) => book.Decider.Decide(state, command, prices), context);
    }

    [Callers(Caller.Trader, Caller.Operator, Caller.Service)]
    public override async Task<AccountReply> GetAccount(GetAccountRequest request, ServerCallContext context)
    {
        var accountId = OwnAccount(InputRules.AccountId(request.AccountId), context);
        var address = AccountAddress.Parse(accountId);
        var (state, version) = await book.LoadAsync(address.Owner, context.CancellationToken);
        var prices = book.Prices.Current;
        var sub = state.Sub(address);
        var risk = book.Decider.Risk;
        var reply = new AccountReply { AccountId = accountId, StreamVersion = version, Risk = MarginOutboxTranslator.ToProto(risk.Evaluate(accountId, sub, prices)) };
        foreach (var (asset, amount) in sub.Balances)
        {
            var (value, _) = risk.CollateralValue(asset, amount, prices);
            risk.Parameters.Collateral.TryGetValue(asset, out var terms);
            reply.Balances.Add(new Balance
            {
                Asset = asset,
                Amount = ContractText.Text(amount),
                Value = ContractText.Text(risk.RoundDown(value)),
                Haircut = terms is null ? "1" : ContractText.Text(terms.Haircut),
                PriceStale = terms?.FixedPrice is null && (!prices.Assets.TryGetValue(asset, out var price) || price.Stale),
            });
        }

        return reply;
    }

    private async Task<MoneyReply> RunAsync(string accountId, string asset, Func<Account, RiskPrices, IReadOnlyList<object>> decide, ServerCallContext context)
    {
        var address = AccountAddress.Parse(accountId);
        try
        {
            var (events, state, version) = await book.ExecuteAsync(address.Owner, decide, context.CancellationToken);
            return new MoneyReply
            {
                AccountId = accountId,
                Asset = asset,
                Balance = ContractText.Text(state.Sub(address).BalanceOf(asset)),
                StreamVersion = version,
                AlreadyApplied = events.Count == 0,
            };
        }
        catch (WithdrawalsPausedException ex)
        {
            // The account is fine; the system is not ready to let this asset out. A client tells the two apart by the trailer.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message), new Metadata { { RefusalTrailer, "withdrawals-paused" } });
        }
        catch (AccountRuleException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
    }

    /// <summary>A trader acts only on its own owner's accounts (any of its sub-accounts); operators on any.</summary>
    private static string OwnAccount(string accountId, ServerCallContext context)
    {
        var signedFor = context.GetHttpContext().User.FindFirstValue(ClearingClaims.Account);
        if (signedFor is not null && AccountAddress.Parse(signedFor).Owner != AccountAddress.Parse(accountId).Owner)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"the request is signed for {signedFor}; it cannot act on {accountId}"));
        }

        return accountId;
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

        if (amount <= 0 || amount.Scale > MaxDecimals)
        {
            throw OperatorInput.Invalid($"amount must be greater than zero with at most {MaxDecimals} decimals, got '{text}'");
        }

        return amount;
    }
}
