using Clearing.Contracts.Liquidation.V1;
using Clearing.EventSourcing;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka;

namespace Clearing.Margin.Integration;

/// <summary>
/// Reads clearing.liquidation.events.v1 and books what liquidation decided (the slices themselves arrive as fills):
/// SliceFilled → the liquidation fee into system:insurance-fund; TransferredToFund → the position closes at the
/// bankruptcy price, the insurance fund (account "system:insurance-fund") takes it over at that price and pays any
/// deficit left; TransferredToVault → the same with the LP vault's trading account ("vault-{id}", margined like its quotes) taking the position over
/// (the vault stage sits before the fund, so a deficit the vault's price leaves is still the fund's); AdlExecuted → the liquidated position and the counterparty's opposite one close at the ADL price.
/// Sizes are read as absolute quantities: the held position says the direction. Completed (last market of a case) →
/// an account still below maintenance is asked for again (AccountDecider, LiquidationFinished). WithdrawalsPaused (key
/// "insurance-fund") → the pause margin enforces on withdrawals of that asset.
/// </summary>
public sealed class LiquidationGateway(AccountBook book, WithdrawalPauseBook pauses)
{
    public async Task HandleAsync(KafkaInboundMessage<LiquidationEvent> message, CancellationToken cancellationToken)
    {
        var e = message.Payload;
        var source = new MessageSource(message.Metadata.SourceStream, message.Metadata.SourceSequence);
        var at = ContractText.FromUnixNanos(e.TimeUnixNanos);
        if (e.EventCase == LiquidationEvent.EventOneofCase.WithdrawalsPaused)
        {
            var paused = e.WithdrawalsPaused;
            var uncovered = ContractText.Optional(paused.UncoveredLoss, "withdrawals_paused.uncovered_loss") ?? 0m;
            await pauses.ApplyAsync(new RecordWithdrawalPause(paused.Asset, paused.Paused, [.. paused.BankruptAccounts], uncovered, paused.Reason, source, at), cancellationToken);
            return;
        }

        if (e.EventCase is LiquidationEvent.EventOneofCase.FundChanged or LiquidationEvent.EventOneofCase.OpenInterestCapChanged)
        {
            // Keyed by the fund or a market, not an account: nothing for an account here (the fund's money is booked
            // from the transfers and fees themselves).
            return;
        }

        var owner = AccountAddress.Parse(e.AccountId).Owner;
        // The liquidation id names the case; the sequence tells apart several transfers or ADL steps of one case.
        var reference = $"{e.LiquidationId}#{e.Sequence}";
        switch (e.EventCase)
        {
            case LiquidationEvent.EventOneofCase.SliceFilled:
            {
                var fee = ContractText.Optional(e.SliceFilled.LiquidationFee, "slice_filled.liquidation_fee") ?? 0m;
                var command = new ChargeLiquidationFee(e.AccountId, e.SliceFilled.Market, fee, reference, source, at);
                await book.ApplyAsync(owner, source, (state, prices) => book.Decider.Decide(state, command, prices), cancellationToken);
                break;
            }

            case LiquidationEvent.EventOneofCase.TransferredToFund:
            {
                var transfer = e.TransferredToFund;
                await TransferAsync(owner, e.AccountId, transfer.Market, transfer.Size, transfer.BankruptcyPrice, "transferred_to_fund",
                    SystemAccounts.InsuranceFund, PositionChange.InsuranceTakeover, reference, source, at, cancellationToken);
                break;
            }

            case LiquidationEvent.EventOneofCase.TransferredToVault:
            {
                var transfer = e.TransferredToVault;
                if (string.IsNullOrWhiteSpace(transfer.VaultAccountId))
                {
                    throw new FormatException("transferred_to_vault.vault_account_id is required");
                }

                await TransferAsync(owner, e.AccountId, transfer.Market, transfer.Size, transfer.BankruptcyPrice, "transferred_to_vault",
                    transfer.VaultAccountId, PositionChange.VaultTakeover, reference, source, at, cancellationToken);
                break;
            }

            case LiquidationEvent.EventOneofCase.Completed when e.Completed.Last:
            {
                var uncoveredSize = ContractText.Optional(e.Completed.UncoveredSize, "completed.uncovered_size") ?? 0m;
                var finished = new LiquidationFinished(e.AccountId, e.LiquidationId, LeftUncovered: uncoveredSize != 0m, source, at,
                    e.Completed.FillsThrough.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal));
                await book.ApplyAsync(owner, source, (state, prices) => book.Decider.Decide(state, finished, prices), cancellationToken);
                break;
            }

            case LiquidationEvent.EventOneofCase.AdlExecuted:
            {
                var adl = e.AdlExecuted;
                var size = Math.Abs(ContractText.Required(adl.Size, "adl_executed.size"));
                var price = ContractText.Required(adl.Price, "adl_executed.price");
                var liquidated = new ClosePosition(e.AccountId, adl.Market, size, price, PositionChange.Adl, reference, CoverDeficit: true, source, at);
                var counterparty = new ClosePosition(adl.CounterpartyAccountId, adl.Market, size, price, PositionChange.Adl, reference, CoverDeficit: false, source, at);
                await book.ApplyAsync(owner, source, (state, prices) => book.Decider.Decide(state, liquidated, prices), cancellationToken);
                await book.ApplyAsync(AccountAddress.Parse(adl.CounterpartyAccountId).Owner, source, (state, prices) => book.Decider.Decide(state, counterparty, prices), cancellationToken);
                break;
            }
        }
    }

    /// <summary>
    /// The account closes <paramref name="sizeText"/> at the bankruptcy price (any deficit left is the fund's) and
    /// <paramref name="receiver"/> takes over exactly what the account gave up — read back from its stored close, so a
    /// redelivery after a crash between the two appends still hands over the same position.
    /// </summary>
    private async Task TransferAsync(string owner, string accountId, string market, string sizeText, string priceText, string field,
        string receiver, PositionChange cause, string reference, MessageSource source, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var size = Math.Abs(ContractText.Required(sizeText, $"{field}.size"));
        var price = ContractText.Required(priceText, $"{field}.bankruptcy_price");
        var close = new ClosePosition(accountId, market, size, price, cause, reference, CoverDeficit: true, source, at);
        await book.ApplyAsync(owner, source, (state, prices) => book.Decider.Decide(state, close, prices), cancellationToken);
        var closed = await ClosedQuantityAsync(owner, accountId, market, reference, cause, cancellationToken);
        if (closed != 0m)
        {
            var takeOver = new TakeOverPosition(receiver, market, -closed, price, cause, reference, source, at);
            await book.ApplyAsync(AccountAddress.Parse(receiver).Owner, source, (state, prices) => book.Decider.Decide(state, takeOver, prices), cancellationToken);
        }
    }

    private async Task<decimal> ClosedQuantityAsync(string owner, string accountId, string market, string reference, PositionChange cause, CancellationToken cancellationToken)
    {
        await foreach (var recorded in book.Store.ReadStreamAsync(StreamName.For(MarginEventTypes.AccountCategory, owner), ReadDirection.Backward, -1, 200, cancellationToken))
        {
            if (recorded.Type == "margin.position-changed.v1"
                && MarginEventTypes.Serializer.Deserialize(recorded) is PositionChanged changed
                && changed.Cause == cause && changed.AccountId == accountId && changed.Market == market && changed.Reference == reference)
            {
                return changed.Quantity;
            }
        }

        return 0m;
    }
}
