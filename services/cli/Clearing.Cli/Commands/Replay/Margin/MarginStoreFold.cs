using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Commands.Replay.Margin;

/// <summary>
/// Margin's accounts as the service would load them, folded from stored events with the domain's own type map and
/// <see cref="AccountDecider.Evolve"/> (no host involved): the state `replay` diffs, `stress` revalues and time travel shows.
/// Events of other streams (ledger-main, snapshots' neighbours) are ignored; an unknown stored type in an account
/// stream fails loudly, naming the stream and version, because skipping it would silently fold a wrong state.
/// </summary>
internal sealed class MarginStoreFold
{
    public const string AccountPrefix = MarginEventTypes.AccountCategory + "-";

    private readonly Dictionary<string, (Account State, long Version)> _accounts = new(StringComparer.Ordinal);

    /// <summary>Owner → (account, stream version), for every account stream seen.</summary>
    public IReadOnlyDictionary<string, (Account State, long Version)> Accounts => _accounts;

    public long EventsFolded { get; private set; }

    public static bool IsAccountStream(string streamId) => streamId.StartsWith(AccountPrefix, StringComparison.Ordinal);

    public static string OwnerOf(string streamId) => streamId[AccountPrefix.Length..];

    public void Apply(RecordedEvent recorded)
    {
        if (!IsAccountStream(recorded.StreamId))
        {
            return;
        }

        var owner = OwnerOf(recorded.StreamId);
        var state = _accounts.TryGetValue(owner, out var known) ? known.State : Account.Empty(owner);
        _accounts[owner] = (AccountDecider.Evolve(state, Deserialize(recorded)), recorded.StreamVersion);
        EventsFolded++;
    }

    /// <summary>One stream's events in order, folded (time travel).</summary>
    public static Account FoldStream(string streamId, IEnumerable<RecordedEvent> events) =>
        events.Aggregate(Account.Empty(OwnerOf(streamId)), (state, recorded) => AccountDecider.Evolve(state, Deserialize(recorded)));

    public static object Deserialize(RecordedEvent recorded)
    {
        try
        {
            return MarginEventTypes.Serializer.Deserialize(recorded);
        }
        catch (Exception ex) when (ex is UnknownEventTypeException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException(
                $"{recorded.StreamId} version {recorded.StreamVersion} (position {recorded.GlobalPosition}): stored event '{recorded.Type}' cannot be read as a margin event: {ex.Message}", ex);
        }
    }

    /// <summary>Every account stream of a store, folded (offline `stress`, `verify`).</summary>
    public static async Task<MarginStoreFold> LoadAsync(IEventStore store, CancellationToken cancellationToken)
    {
        var fold = new MarginStoreFold();
        var position = 1L;
        while (true)
        {
            var read = 0;
            await foreach (var recorded in store.ReadAllAsync(position, 4096, MarginEventTypes.AccountCategory, cancellationToken))
            {
                read++;
                position = recorded.GlobalPosition + 1;
                fold.Apply(recorded);
            }
            if (read < 4096)
            {
                return fold;
            }
        }
    }
}
