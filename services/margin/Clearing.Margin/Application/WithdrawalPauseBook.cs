using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;
using Clearing.Messaging.Kafka.Inbox;
using Microsoft.Extensions.Logging;

namespace Clearing.Margin.Application;

/// <summary>
/// The insurance fund's withdrawal pauses as margin enforces them: one stream per asset ("withdrawals-{asset}",
/// its own small type map, so the account aggregate's map stays as it is), applied once per fund event through the
/// stream's inbox, and the current set kept in memory for the withdrawal decision. Loaded at start, before consumers.
/// </summary>
public sealed class WithdrawalPauseBook
{
    public const string Category = "withdrawals";

    public static EventTypeMap Map { get; } = new EventTypeMap().Register<WithdrawalPauseRecorded>();

    public static EventSerializer Serializer { get; } = new(Map, new JsonSerializerOptions(WithdrawalPauseJsonContext.Default.Options));

    public static AggregateDefinition<WithdrawalPause> Definition { get; } = new(Category, WithdrawalPause.None(string.Empty), WithdrawalPauses.Evolve);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IEventStore _store;
    private readonly AggregateRepository<WithdrawalPause> _repository;
    private readonly AggregateInbox<WithdrawalPause> _inbox;
    private readonly ILogger<WithdrawalPauseBook> _logger;
    private WithdrawalPauses _current = WithdrawalPauses.None;

    public WithdrawalPauseBook(IEventStore store, ILogger<WithdrawalPauseBook> logger)
    {
        _store = store;
        _logger = logger;
        _repository = new AggregateRepository<WithdrawalPause>(store, Serializer, Definition);
        _inbox = new AggregateInbox<WithdrawalPause>(_repository, Definition, p => p.Inbox, "margin-withdrawal-pause");
    }

    public WithdrawalPauses Current => Volatile.Read(ref _current);

    public async Task LoadAllAsync(CancellationToken cancellationToken)
    {
        var assets = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var recorded in _store.ReadAllAsync(1, int.MaxValue, Category, cancellationToken))
        {
            assets.Add(recorded.StreamId[(Category.Length + 1)..]);
        }

        foreach (var asset in assets)
        {
            await RefreshAsync(asset, cancellationToken);
        }
    }

    /// <summary>Applies the fund's published pause state once (a repeat or an older fund event changes nothing).</summary>
    public async Task<InboxOutcome> ApplyAsync(RecordWithdrawalPause command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var outcome = await _inbox.ExecuteAsync(command.Asset, command.Source.Stream, command.Source.Sequence,
                state => WithdrawalPauses.Decide(state, command), cancellationToken: cancellationToken);
            if (outcome == InboxOutcome.Applied)
            {
                await RefreshAsync(command.Asset, cancellationToken);
                _logger.LogWarning("Withdrawals of {Asset} {State} by the insurance fund: {Reason}", command.Asset, command.Paused ? "paused" : "resumed", command.Reason);
            }

            return outcome;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RefreshAsync(string asset, CancellationToken cancellationToken)
    {
        var loaded = await _repository.LoadAsync(asset, cancellationToken);
        Volatile.Write(ref _current, Current.With(loaded.State with { Asset = asset }));
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(WithdrawalPauseRecorded))]
[JsonSerializable(typeof(WithdrawalPause))]
internal sealed partial class WithdrawalPauseJsonContext : JsonSerializerContext;
