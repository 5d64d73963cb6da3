using System.Globalization;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.EventSourcing;
using Clearing.Margin.Domain.Accounts;

namespace Clearing.Cli.Commands.Verify;

/// <summary>One broken ledger rule: which check, where (sequence, entry), and the numbers.</summary>
internal sealed record LedgerViolation(string Check, long? Sequence, string? EntryId, string Detail);

/// <summary>What the audit saw: entries, per-asset totals, and the first violation (null: the ledger holds).</summary>
internal sealed record LedgerAuditResult(
    long Entries,
    long AccountsCompared,
    IReadOnlyDictionary<string, decimal> Deposits,
    IReadOnlyDictionary<string, decimal> Withdrawals,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, decimal>> SystemBalances,
    LedgerViolation? FirstViolation)
{
    public bool Holds => FirstViolation is null;
}

/// <summary>
/// Folds margin's numbered ledger (ledger-main, one LedgerEntryRecorded per line) and checks, in this order:
/// <list type="number">
/// <item>sequence: entry n is stream version n−1 and carries sequence n (gap-free from 1, no repeats);</item>
/// <item>balanced: every entry's postings sum to exactly zero per asset;</item>
/// <item>external: only deposits and withdrawals touch system:external (no money enters or leaves any other way);</item>
/// <item>conservation: per asset, Σ balances of every account except system:external (traders, insurance fund, fee
/// pool, settlement and the other system accounts, vaults) = deposits − withdrawals;</item>
/// <item>accounts: each trader account stream's folded balances equal its ledger balances, over the events the ledger has
/// numbered so far (a projector that is behind is not a violation; one that disagrees is).</item>
/// </list>
/// The conservation check is computed from the two sides independently (balances vs the deposit and withdrawal
/// entries), so an entry that balances but moves money to or from the outside under another kind is caught by 3 and 4.
/// </summary>
internal static class LedgerAudit
{
    public static async Task<LedgerAuditResult> RunAsync(IEventStore store, CancellationToken cancellationToken)
    {
        var balances = new Dictionary<(string Account, string Asset), decimal>();
        var deposits = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        var withdrawals = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        LedgerViolation? first = null;
        long entries = 0, lastSourcePosition = 0;

        await foreach (var recorded in store.ReadStreamAsync(MarginLedgerProjection.LedgerStream, ReadDirection.Forward, 0, cancellationToken: cancellationToken))
        {
            var entry = (LedgerEntryRecorded)MarginStoreFold.Deserialize(recorded);
            entries++;
            lastSourcePosition = Math.Max(lastSourcePosition, entry.SourcePosition);
            if (first is null && (entry.Sequence != entries || recorded.StreamVersion != entries - 1))
            {
                first = new LedgerViolation("sequence", entry.Sequence, entry.EntryId,
                    $"entry at stream version {recorded.StreamVersion} carries sequence {entry.Sequence}; expected {entries} (gap-free from 1)");
            }
            foreach (var asset in entry.Postings.GroupBy(p => p.Asset, StringComparer.Ordinal))
            {
                var sum = asset.Sum(p => p.Amount);
                if (first is null && sum != 0m)
                {
                    first = new LedgerViolation("balanced", entry.Sequence, entry.EntryId,
                        $"postings in {asset.Key} sum to {MarginRows.Text(sum)}, not 0");
                }
            }
            foreach (var posting in entry.Postings)
            {
                balances[(posting.AccountId, posting.Asset)] = balances.GetValueOrDefault((posting.AccountId, posting.Asset)) + posting.Amount;
                if (posting.AccountId != SystemAccounts.External)
                {
                    continue;
                }
                switch (entry.Kind)
                {
                    case LedgerKind.Deposit:
                        deposits[posting.Asset] = deposits.GetValueOrDefault(posting.Asset) - posting.Amount;
                        break;
                    case LedgerKind.Withdrawal:
                        withdrawals[posting.Asset] = withdrawals.GetValueOrDefault(posting.Asset) + posting.Amount;
                        break;
                    default:
                        first ??= new LedgerViolation("external", entry.Sequence, entry.EntryId,
                            $"a {entry.Kind} entry moves {MarginRows.Text(posting.Amount)} {posting.Asset} on {SystemAccounts.External}; only deposits and withdrawals may");
                        break;
                }
            }
        }

        if (first is null)
        {
            foreach (var asset in balances.Keys.Select(k => k.Asset).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var held = balances.Where(b => b.Key.Asset == asset && b.Key.Account != SystemAccounts.External).Sum(b => b.Value);
                var net = deposits.GetValueOrDefault(asset) - withdrawals.GetValueOrDefault(asset);
                if (held != net)
                {
                    first = new LedgerViolation("conservation", null, null,
                        $"{asset}: accounts hold {MarginRows.Text(held)} but deposits − withdrawals = {MarginRows.Text(deposits.GetValueOrDefault(asset))} − {MarginRows.Text(withdrawals.GetValueOrDefault(asset))} = {MarginRows.Text(net)}");
                    break;
                }
            }
        }

        long compared = 0;
        if (first is null && entries > 0)
        {
            (compared, first) = await CompareAccountsAsync(store, balances, lastSourcePosition, cancellationToken);
        }

        var system = balances.Where(b => SystemAccounts.IsSystem(b.Key.Account) && b.Key.Account != SystemAccounts.External)
            .GroupBy(b => b.Key.Account, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, decimal>)new SortedDictionary<string, decimal>(g.ToDictionary(b => b.Key.Asset, b => b.Value), StringComparer.Ordinal), StringComparer.Ordinal);
        return new LedgerAuditResult(entries, compared, deposits, withdrawals, system, first);
    }

    private static async Task<(long Compared, LedgerViolation? Violation)> CompareAccountsAsync(IEventStore store,
        Dictionary<(string Account, string Asset), decimal> ledger, long upToPosition, CancellationToken cancellationToken)
    {
        var fold = new MarginStoreFold();
        var position = 1L;
        while (position <= upToPosition)
        {
            var read = 0;
            await foreach (var recorded in store.ReadAllAsync(position, 4096, MarginEventTypes.AccountCategory, cancellationToken))
            {
                read++;
                position = recorded.GlobalPosition + 1;
                if (recorded.GlobalPosition > upToPosition)
                {
                    break;
                }
                fold.Apply(recorded);
            }
            if (read < 4096)
            {
                break;
            }
        }

        long compared = 0;
        // System accounts are credited from other owners' streams (fees, liquidation fees), so only the ledger knows them.
        foreach (var (owner, (state, _)) in fold.Accounts.Where(a => !SystemAccounts.IsSystem(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            foreach (var sub in state.SubAccounts.Values)
            {
                var accountId = state.AccountIdOf(sub.Number);
                compared++;
                var assets = sub.Balances.Keys.Concat(ledger.Keys.Where(k => k.Account == accountId).Select(k => k.Asset)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
                foreach (var asset in assets)
                {
                    var mine = sub.BalanceOf(asset);
                    var booked = ledger.GetValueOrDefault((accountId, asset));
                    if (mine != booked)
                    {
                        return (compared, new LedgerViolation("accounts", null, null,
                            $"{accountId} holds {MarginRows.Text(mine)} {asset} in account-{owner} but the ledger says {MarginRows.Text(booked)}"));
                    }
                }
            }
        }
        return (compared, null);
    }

    public static string Describe(LedgerViolation violation) =>
        violation.Sequence is { } sequence
            ? string.Create(CultureInfo.InvariantCulture, $"ledger {violation.Check}: sequence {sequence} ({violation.EntryId}): {violation.Detail}")
            : $"ledger {violation.Check}: {violation.Detail}";
}
