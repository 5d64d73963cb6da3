using System.Globalization;
using System.Security.Claims;
using Clearing.Contracts.Vault.V1;
using Clearing.EventSourcing;
using Clearing.ServiceDefaults.Security;
using Clearing.Vault.Application;
using Clearing.Vault.Domain.Accounting;
using Clearing.Vault.Domain.Quoting;
using Grpc.Core;
using NavStruck = Clearing.Vault.Domain.Accounting.NavStruck;
using ProtoNavPoint = Clearing.Contracts.Vault.V1.NavPoint;
using WithdrawalCancelled = Clearing.Vault.Domain.Accounting.WithdrawalCancelled;
using WithdrawalRequested = Clearing.Vault.Domain.Accounting.WithdrawalRequested;
using ProtoPendingWithdrawal = Clearing.Contracts.Vault.V1.PendingWithdrawal;

namespace Clearing.Vault.Grpc;

/// <summary>
/// clearing.vault.v1.Vault. Deposits are not taken here: margin moves the money (Accounts.DepositToVault) and the vault
/// mints shares when it reads that ledger entry (Integration/VaultInputs.cs). An LP moves its own money (a trader signs for its own account; an operator or a service may
/// act for any); reads are open to traders, operators and services. Domain refusals come back as FAILED_PRECONDITION
/// with the rule's message; malformed input as INVALID_ARGUMENT.
/// </summary>
public sealed class VaultGrpcService(VaultLedger ledger, MarketPrices prices, IReadOnlyList<QuoteParameters> quoted, TimeProvider time) : Contracts.Vault.V1.Vault.VaultBase
{
    private const int DefaultHistory = 100;
    private const int MaxHistory = 1_000;

    [Callers(Caller.Trader, Caller.Operator, Caller.Service)]
    public override async Task<WithdrawalReply> RequestWithdrawal(RequestWithdrawalRequest request, ServerCallContext context)
    {
        var lp = OwnAccount(request.LpAccountId, context);
        var shares = Decimal(request.Shares, "shares");
        var events = await Refusing(() => ledger.RequestWithdrawalAsync(lp, shares, context.CancellationToken));
        var requested = events.OfType<WithdrawalRequested>().Single();
        var loaded = await ledger.LoadAsync(context.CancellationToken);
        return new WithdrawalReply
        {
            WithdrawalId = requested.WithdrawalId, LpAccountId = lp, Shares = Text(requested.Shares), PayableAtUnixNanos = Nanos(requested.PayableAt),
            StreamVersion = loaded.Version,
        };
    }

    [Callers(Caller.Trader, Caller.Operator, Caller.Service)]
    public override async Task<WithdrawalReply> CancelWithdrawal(CancelWithdrawalRequest request, ServerCallContext context)
    {
        var lp = OwnAccount(request.LpAccountId, context);
        if (string.IsNullOrWhiteSpace(request.WithdrawalId))
        {
            throw Invalid("withdrawal_id must be set, e.g. \"w-1\"");
        }

        var events = await Refusing(() => ledger.CancelWithdrawalAsync(lp, request.WithdrawalId, context.CancellationToken));
        var cancelled = events.OfType<WithdrawalCancelled>().Single();
        var loaded = await ledger.LoadAsync(context.CancellationToken);
        return new WithdrawalReply { WithdrawalId = cancelled.WithdrawalId, LpAccountId = lp, Shares = Text(cancelled.Shares), Cancelled = true, StreamVersion = loaded.Version };
    }

    [Callers(Caller.Trader, Caller.Operator, Caller.Service)]
    public override async Task<VaultReply> GetVault(GetVaultRequest request, ServerCallContext context)
    {
        var loaded = await ledger.LoadAsync(context.CancellationToken);
        var state = loaded.State;
        var marks = prices.Marks;
        var nav = await Refusing(() => Task.FromResult(VaultBook.Nav(state, marks, time.GetUtcNow())));
        var reply = new VaultReply
        {
            VaultId = state.VaultId, Asset = state.Asset, Collateral = Text(nav.Collateral), UnrealizedPnl = Text(nav.UnrealizedPnl), FeesOwed = Text(nav.FeesOwed),
            Nav = Text(nav.Nav), Shares = Text(nav.Shares), SharePrice = Text(nav.SharePrice), TradingFeeIncome = Text(state.TradingFeeIncome),
            LiquidationFeeIncome = Text(state.LiquidationFeeIncome), PendingWithdrawals = state.Withdrawals.Count, StreamVersion = loaded.Version,
            Funding = Text(state.Funding), LiquidationFeesPaid = Text(state.LiquidationFeesPaid),
        };
        var markets = state.Positions.Keys.Concat(state.BackstopLosses.Keys).Concat(state.FundingByMarket.Keys.Where(m => m.Length > 0)).Concat(quoted.Select(q => q.Market)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var market in markets)
        {
            var position = state.Positions.GetValueOrDefault(market) ?? VaultPosition.Flat;
            var mark = marks.GetValueOrDefault(market);
            var parameters = quoted.FirstOrDefault(q => q.Market == market);
            reply.Exposures.Add(new MarketExposure
            {
                Market = market, Size = Text(position.Size), EntryPrice = Text(position.EntryPrice), MarkPrice = mark > 0 ? Text(mark) : string.Empty,
                Notional = Text(Math.Abs(position.Size) * mark), UnrealizedPnl = mark > 0 ? Text(position.UnrealizedAt(mark)) : string.Empty,
                RealizedPnl = Text(position.RealizedPnl), BackstopLoss = Text(state.BackstopLosses.GetValueOrDefault(market)),
                Funding = Text(state.FundingByMarket.GetValueOrDefault(market)),
                ExposureCap = parameters is null ? string.Empty : Text(Math.Min(parameters.MaxNotional, parameters.MaxShareOfNav * Math.Max(0m, nav.Nav))),
            });
        }

        return reply;
    }

    [Callers(Caller.Trader, Caller.Operator, Caller.Service)]
    public override async Task<NavHistoryReply> GetNavHistory(GetNavHistoryRequest request, ServerCallContext context)
    {
        if (request.Limit is < 0 or > MaxHistory)
        {
            throw Invalid($"limit must be 0..{MaxHistory} (0 means {DefaultHistory}), got {request.Limit}");
        }

        var limit = request.Limit == 0 ? DefaultHistory : request.Limit;
        var reply = new NavHistoryReply();
        await foreach (var recorded in ledger.Store.ReadStreamAsync(ledger.StreamId, ReadDirection.Backward, -1, int.MaxValue, context.CancellationToken))
        {
            if (VaultJsonContext.Serializer.Deserialize(recorded) is NavStruck n)
            {
                reply.Points.Add(new ProtoNavPoint
                {
                    TimeUnixNanos = Nanos(n.At), Nav = Text(n.Nav), Shares = Text(n.Shares), SharePrice = Text(n.SharePrice), Collateral = Text(n.Collateral),
                    UnrealizedPnl = Text(n.UnrealizedPnl), FeesOwed = Text(n.FeesOwed), TradingFeeIncome = Text(n.TradingFeeIncome),
                    LiquidationFeeIncome = Text(n.LiquidationFeeIncome), Funding = Text(n.Funding), LiquidationFeesPaid = Text(n.LiquidationFeesPaid),
                });
                if (reply.Points.Count >= limit)
                {
                    break;
                }
            }
        }

        return reply;
    }

    [Callers(Caller.Trader, Caller.Operator, Caller.Service)]
    public override async Task<StatementReply> GetStatement(GetStatementRequest request, ServerCallContext context)
    {
        var lp = OwnAccount(request.LpAccountId, context);
        var state = (await ledger.LoadAsync(context.CancellationToken)).State;
        var nav = await Refusing(() => Task.FromResult(VaultBook.Nav(state, prices.Marks, time.GetUtcNow())));
        var s = VaultBook.Statement(state, lp, nav);
        var reply = new StatementReply
        {
            LpAccountId = lp, Shares = Text(s.Shares), LockedShares = Text(s.LockedShares), Value = Text(s.Value), Deposited = Text(s.Deposited),
            Withdrawn = Text(s.Withdrawn), FeeIncome = Text(s.FeeIncome), ProfitAndLoss = Text(s.ProfitAndLoss),
            VaultFunding = Text(state.Funding), VaultTradingFeeIncome = Text(state.TradingFeeIncome), VaultLiquidationFeeIncome = Text(state.LiquidationFeeIncome),
        };
        reply.PendingWithdrawals.AddRange(s.PendingWithdrawals.Select(w => new ProtoPendingWithdrawal
        {
            WithdrawalId = w.Id, Shares = Text(w.Shares), RequestedAtUnixNanos = Nanos(w.RequestedAt), PayableAtUnixNanos = Nanos(w.PayableAt), Deferred = w.Deferred,
        }));
        reply.VaultFeeIncome.AddRange((s.VaultFeeIncome ?? []).Select(f => new Clearing.Contracts.Vault.V1.FeeIncomeEntry
        {
            Reference = f.Reference, Kind = Integration.VaultOutboxTranslator.KindText(f.Kind), Amount = Text(f.Amount), IncomePerShare = Text(f.IncomePerShare),
            SharesOutstanding = Text(f.SharesOutstanding), LedgerSequence = f.LedgerSequence, TimeUnixNanos = Nanos(f.At),
        }));
        return reply;
    }

    /// <summary>A trader acts only for its own account; operators and services for any.</summary>
    private static string OwnAccount(string accountId, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(accountId))
        {
            throw Invalid("lp_account_id must be set, e.g. \"acct-1\"");
        }

        var user = context.GetHttpContext().User;
        if (!user.IsInRole(ClearingRoles.Operator) && !user.IsInRole(ClearingRoles.Service) && user.FindFirstValue(ClaimTypes.Name) != accountId)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"a trader may act only for its own account, not for '{accountId}'"));
        }

        return accountId;
    }

    private static async Task<T> Refusing<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (VaultRefusedException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
    }

    private static decimal Decimal(string text, string field) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid($"{field} must be a plain positive decimal like \"1000.5\", got '{text}'");

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static string Text(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    private static long Nanos(DateTimeOffset at) => (at - DateTimeOffset.UnixEpoch).Ticks * 100;
}
