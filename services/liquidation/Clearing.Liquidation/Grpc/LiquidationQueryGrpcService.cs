using Clearing.Contracts.Liquidation.V1;
using Clearing.EventSourcing;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain.Fund;
using Clearing.ServiceDefaults.Operations;
using Clearing.ServiceDefaults.Security;
using Grpc.Core;
using static Clearing.Liquidation.Integration.ContractText;

namespace Clearing.Liquidation.Grpc;

/// <summary>clearing.liquidation.v1.LiquidationQuery: the insurance fund's balance and its history, for operators and services.</summary>
[Callers(Caller.Operator, Caller.Service)]
public sealed class LiquidationQueryGrpcService(LiquidationEngine engine, IEventStore store, TimeProvider time) : LiquidationQuery.LiquidationQueryBase
{
    private const int DefaultCount = 100;
    private const int MaxCount = 1000;

    public override async Task<InsuranceFundReply> GetInsuranceFund(GetInsuranceFundRequest request, ServerCallContext context)
    {
        var loaded = await engine.LoadFundAsync(context.CancellationToken);
        var fund = loaded.State;
        var now = time.GetUtcNow();
        var reply = new InsuranceFundReply
        {
            Asset = fund.Asset,
            Balance = Of(fund.Balance),
            TotalFees = Of(fund.TotalFees),
            TotalPaidOut = Of(fund.TotalPaidOut),
            WithdrawalsPaused = fund.WithdrawalsPaused,
            BankruptAccounts = { fund.BankruptAccounts.Keys },
            UncoveredLoss = Of(fund.UncoveredLoss),
            Version = loaded.Version,
        };
        foreach (var rules in engine.Rules.All.OrderBy(r => r.Market, StringComparer.Ordinal))
        {
            reply.Caps.Add(new MarketPayoutCap
            {
                Market = rules.Market,
                Cap = Of(rules.FundPayoutCap),
                Remaining = Of(fund.RemainingCap(rules, now)),
                WindowSeconds = (long)rules.PayoutCapWindow.TotalSeconds,
            });
        }

        return reply;
    }

    public override async Task<InsuranceFundHistoryReply> GetInsuranceFundHistory(GetInsuranceFundHistoryRequest request, ServerCallContext context)
    {
        if (request.FromVersion < 0)
        {
            throw OperatorInput.Invalid($"from_version must be 0 or more, got {request.FromVersion}");
        }

        if (request.MaxCount is < 0 or > MaxCount)
        {
            throw OperatorInput.Invalid($"max_count must be between 1 and {MaxCount} (0 means {DefaultCount}), got {request.MaxCount}");
        }

        var reply = new InsuranceFundHistoryReply();
        var count = request.MaxCount == 0 ? DefaultCount : request.MaxCount;
        await foreach (var recorded in store.ReadStreamAsync(engine.FundStreamId, ReadDirection.Forward, request.FromVersion, count, context.CancellationToken))
        {
            reply.Entries.Add(Entry(recorded, LiquidationJsonContext.Serializer.Deserialize(recorded)));
        }

        return reply;
    }

    private static InsuranceFundEntry Entry(RecordedEvent recorded, object @event)
    {
        var entry = new InsuranceFundEntry { Version = recorded.StreamVersion, Type = recorded.Type, Change = "0" };
        switch (@event)
        {
            case FundFeeCollected e:
                Fill(entry, e.At, e.Change, e.BalanceAfter, e.Market, e.AccountId, $"liquidation fee from {e.AccountId} ({e.OrderId})");
                break;
            case FundTakeoverBooked e:
                Fill(entry, e.At, e.Change, e.BalanceAfter, e.Market, e.AccountId, $"took over {Of(e.Size)} at bankruptcy price {Of(e.BankruptcyPrice)}, mark {Of(e.MarkPrice)}");
                break;
            case FundDeposited e:
                Fill(entry, e.At, e.Change, e.BalanceAfter, string.Empty, string.Empty, $"deposit {e.Reference} by {e.By}: {e.Reason}");
                break;
            case FundBankruptcyOpened e:
                Fill(entry, e.At, 0m, null, string.Empty, e.AccountId, $"{e.AccountId} bankrupt ({e.LiquidationId})");
                break;
            case FundBankruptcyClosed e:
                Fill(entry, e.At, 0m, null, string.Empty, e.AccountId, $"loss of {e.AccountId} covered ({e.LiquidationId})");
                break;
            case FundUncoveredLossRecorded e:
                Fill(entry, e.At, 0m, null, e.Market, e.AccountId, $"uncovered loss {Of(e.Loss)} of {e.AccountId} (total {Of(e.TotalUncovered)})");
                break;
            case WithdrawalsPauseChanged e:
                Fill(entry, e.At, 0m, null, string.Empty, string.Empty, (e.Paused ? "withdrawals paused: " : "withdrawals resumed: ") + e.Reason);
                break;
        }

        return entry;
    }

    private static void Fill(InsuranceFundEntry entry, DateTimeOffset at, decimal change, decimal? balance, string market, string account, string description)
    {
        entry.TimeUnixNanos = Nanos(at);
        entry.Change = Of(change);
        entry.BalanceAfter = balance is { } b ? Of(b) : string.Empty;
        entry.Market = market;
        entry.AccountId = account;
        entry.Description = description;
    }
}
