using System.Collections.Immutable;
using System.Globalization;
using Clearing.EventSourcing;
using Clearing.Primitives.Inbox;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// Whether withdrawals of one collateral asset are paused, as liquidation's insurance fund last published it
/// (clearing.liquidation.v1.WithdrawalsPaused, key "insurance-fund"): paused while any bankrupt account's loss is
/// uncovered, so nobody takes the asset out before the loss is allocated (the guard rail the issue asks for after the
/// Mango and FTX incidents). Liquidation only publishes the state; margin keeps it in its own stream
/// ("withdrawals-{asset}") with the inbox of the fund's stream, so a restart or a redelivery changes nothing.
/// </summary>
public sealed record WithdrawalPause(
    string Asset,
    bool Paused,
    IReadOnlyList<string> BankruptAccounts,
    decimal UncoveredLoss,
    string Reason,
    DateTimeOffset Since,
    InboxPosition Inbox)
{
    public static WithdrawalPause None(string asset) => new(asset, false, [], 0m, string.Empty, DateTimeOffset.MinValue, InboxPosition.Empty);
}

/// <summary>The fund's pause state for <see cref="Asset"/> as published; <see cref="Source"/> is the fund's stream and version.</summary>
public sealed record RecordWithdrawalPause(
    string Asset,
    bool Paused,
    IReadOnlyList<string> BankruptAccounts,
    decimal UncoveredLoss,
    string Reason,
    MessageSource Source,
    DateTimeOffset At);

/// <summary>Margin recorded the insurance fund's withdrawal pause (or its lifting) for one asset.</summary>
[EventType("margin.withdrawal-pause-recorded.v1")]
public sealed record WithdrawalPauseRecorded(
    string Asset,
    bool Paused,
    IReadOnlyList<string> BankruptAccounts,
    decimal UncoveredLoss,
    string Reason,
    DateTimeOffset At,
    string SourceStream,
    long SourceSequence);

/// <summary>The pause of every asset margin has heard of; an asset not listed is not paused.</summary>
public sealed record WithdrawalPauses(ImmutableSortedDictionary<string, WithdrawalPause> ByAsset)
{
    public static WithdrawalPauses None { get; } = new(ImmutableSortedDictionary.Create<string, WithdrawalPause>(StringComparer.Ordinal));

    public WithdrawalPause Of(string asset) => ByAsset.TryGetValue(asset, out var pause) ? pause : WithdrawalPause.None(asset);

    public WithdrawalPauses With(WithdrawalPause pause) => new(ByAsset.SetItem(pause.Asset, pause));

    /// <summary>Pure decision: record the published state once per fund event (the inbox skips repeats and older ones).</summary>
    public static IReadOnlyList<object> Decide(WithdrawalPause state, RecordWithdrawalPause command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (string.IsNullOrWhiteSpace(command.Asset))
        {
            throw new ArgumentException("a withdrawal pause must name its asset", nameof(command));
        }

        if (state.Asset.Length > 0 && state.Asset != command.Asset)
        {
            throw new ArgumentException($"the pause of {command.Asset} was sent to the stream of {state.Asset}", nameof(command));
        }

        if (!state.Inbox.ShouldApply(command.Source.Stream, command.Source.Sequence))
        {
            return [];
        }

        return [new WithdrawalPauseRecorded(command.Asset, command.Paused, [.. command.BankruptAccounts], command.UncoveredLoss, command.Reason, command.At,
            command.Source.Stream, command.Source.Sequence)];
    }

    public static WithdrawalPause Evolve(WithdrawalPause state, object @event) => @event switch
    {
        WithdrawalPauseRecorded e => state with
        {
            Asset = e.Asset,
            Paused = e.Paused,
            BankruptAccounts = e.BankruptAccounts,
            UncoveredLoss = e.UncoveredLoss,
            Reason = e.Reason,
            // The pause keeps the time it began while it lasts; a lifting is dated when it happened.
            Since = e.Paused && state.Paused ? state.Since : e.At,
            Inbox = state.Inbox.Record(e.SourceStream, e.SourceSequence),
        },
        _ => throw new ArgumentException($"{@event.GetType().Name} is not a withdrawal pause event", nameof(@event)),
    };
}

/// <summary>A withdrawal refused because the insurance fund paused withdrawals of the asset.</summary>
public sealed class WithdrawalsPausedException(WithdrawalPause pause, string accountId, decimal amount) : AccountRuleException(Describe(pause, accountId, amount))
{
    public WithdrawalPause Pause { get; } = pause;

    private static string Describe(WithdrawalPause pause, string accountId, decimal amount)
    {
        var who = pause.BankruptAccounts.Count == 0 ? "a bankrupt account" : string.Join(", ", pause.BankruptAccounts);
        var since = pause.Since.ToString("O", CultureInfo.InvariantCulture);
        return $"withdrawal of {AccountDecider.Format(amount)} {pause.Asset} from {accountId} refused: withdrawals of {pause.Asset} are paused by the insurance fund " +
            $"since {since} while the loss of {who} is uncovered (uncovered loss {AccountDecider.Format(pause.UncoveredLoss)} {pause.Asset}; {pause.Reason}); " +
            "they resume when the fund reports every bankrupt account covered";
    }
}
