using System.CommandLine;
using System.Text.Json.Nodes;
using Clearing.Cli.Commands.Replay.Margin;
using Clearing.Cli.Commands.Verify;
using Clearing.EventSourcing;

namespace Clearing.Cli.Commands;

/// <summary>
/// `clearing verify`: re-computes every stream's hash chain in an event store and names the first broken link; on a
/// store holding margin's ledger (ledger-main) it also audits the ledger (<see cref="LedgerAudit"/>).
/// Exit 0 intact, 3 a broken hash chain, 5 a ledger invariant violated, 2 bad arguments or an unreadable store.
/// </summary>
internal static class VerifyCommand
{
    public const int Broken = 3;
    public const int LedgerViolated = 5;

    public static Command Create()
    {
        var store = new StoreArguments();
        var stream = new Option<string?>("--stream") { Description = "Verify one stream's hash chain only (the ledger audit then runs only if it is ledger-main)." };
        var ledger = new Option<string>("--ledger")
        {
            Description = "Ledger audit: auto (when the store holds ledger-main), on (fail if it does not), off.",
            DefaultValueFactory = _ => "auto",
        };
        ledger.AcceptOnlyFromAmong("auto", "on", "off");
        var command = new Command("verify", """
            Proves an event store was not edited and that margin's ledger holds: re-checks every hash chain (first broken
            link named), then folds ledger-main and checks gap-free sequences, balanced entries, that only deposits and
            withdrawals touch system:external, that Σ balances (traders, insurance fund, fee pool, other system accounts)
            = deposits − withdrawals per asset, and that each account stream agrees with the ledger.
            Prints one JSON object. Exit 0 all holds, 3 a hash chain is broken, 5 a ledger invariant fails, 2 bad arguments.
            Examples:
              clearing verify --sqlite .clearing/data/margin/events.db
              clearing verify --sqlite .clearing/data/matching/events.db --stream book-BTC-PERP
              clearing verify --postgres "Host=db;Username=ops" --schema margin --ledger on
            """)
        {
            stream, ledger,
        };
        store.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var opened = await store.OpenAsync(result, cancellationToken);
            if (opened is null)
            {
                return 2;
            }

            await using (opened as IAsyncDisposable)
            {
                return await RunAsync(opened, result.GetValue(stream), result.GetValue(ledger)!, Console.Out, Console.Error, cancellationToken);
            }
        });
        return command;
    }

    public static async Task<int> RunAsync(IEventStore store, string? stream, string ledgerMode, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var verdict = await store.VerifyAsync(stream, cancellationToken);
        var report = new JsonObject
        {
            ["intact"] = verdict.IsIntact,
            ["events"] = verdict.EventsChecked,
            ["streams"] = verdict.StreamsChecked,
            ["firstBroken"] = verdict.FirstBroken is { } b
                ? new JsonObject { ["stream"] = b.StreamId, ["version"] = b.StreamVersion, ["position"] = b.GlobalPosition, ["reason"] = b.Reason }
                : null,
        };

        var hasLedger = await store.GetStreamVersionAsync(MarginLedgerProjection.LedgerStream, cancellationToken) >= 0;
        var audit = ledgerMode != "off" && hasLedger && (stream is null || stream == MarginLedgerProjection.LedgerStream);
        if (ledgerMode == "on" && !hasLedger)
        {
            error.WriteLine($"clearing verify: --ledger on, but this store has no {MarginLedgerProjection.LedgerStream} stream (is it margin's store?).");
            output.WriteLine(report.ToJsonString());
            return LedgerViolated;
        }

        LedgerAuditResult? ledger = null;
        if (audit)
        {
            try
            {
                ledger = await LedgerAudit.RunAsync(store, cancellationToken);
            }
            catch (InvalidDataException ex)
            {
                ledger = new LedgerAuditResult(0, 0, new Dictionary<string, decimal>(), new Dictionary<string, decimal>(),
                    new Dictionary<string, IReadOnlyDictionary<string, decimal>>(), new LedgerViolation("readable", null, null, ex.Message));
            }
            report["ledger"] = new JsonObject
            {
                ["holds"] = ledger.Holds,
                ["entries"] = ledger.Entries,
                ["accountsCompared"] = ledger.AccountsCompared,
                ["deposits"] = Amounts(ledger.Deposits),
                ["withdrawals"] = Amounts(ledger.Withdrawals),
                ["systemAccounts"] = new JsonObject(ledger.SystemBalances.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)Amounts(a.Value)))),
                ["firstViolation"] = ledger.FirstViolation is { } v
                    ? new JsonObject { ["check"] = v.Check, ["sequence"] = v.Sequence, ["entryId"] = v.EntryId, ["detail"] = v.Detail }
                    : null,
            };
        }

        output.WriteLine(report.ToJsonString());
        if (!verdict.IsIntact)
        {
            var broken = verdict.FirstBroken!;
            error.WriteLine($"clearing verify: hash chain broken at {broken.StreamId} version {broken.StreamVersion} (position {broken.GlobalPosition}): {broken.Reason}");
            return Broken;
        }
        if (ledger?.FirstViolation is { } violation)
        {
            error.WriteLine($"clearing verify: {LedgerAudit.Describe(violation)}");
            return LedgerViolated;
        }
        return 0;
    }

    private static JsonObject Amounts(IReadOnlyDictionary<string, decimal> amounts) =>
        new(amounts.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => KeyValuePair.Create(a.Key, (JsonNode?)MarginRows.Text(a.Value))));
}
