using System.CommandLine;
using System.Text.Json;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Postgres;
using Clearing.EventSourcing.Sqlite;

namespace Clearing.Cli.Commands;

/// <summary>
/// `clearing verify`: re-computes every stream's hash chain in an event store and names the first broken link.
/// Exit 0 intact, 3 broken, 2 bad arguments or an unreachable store.
/// </summary>
internal static class VerifyCommand
{
    public const int Broken = 3;

    public static Command Create()
    {
        var sqlite = new Option<FileInfo?>("--sqlite") { Description = "Path to a SQLite event store (e.g. .clearing/data/margin/events.db)." };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string of the event store." };
        var schema = new Option<string?>("--schema") { Description = "PostgreSQL schema (the service name, e.g. margin)." };
        var stream = new Option<string?>("--stream") { Description = "Verify one stream only." };
        var command = new Command("verify", "Proves an event store was not edited: re-checks every hash chain and reports the first broken link.")
        {
            sqlite, postgres, schema, stream,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetValue(sqlite) is null) == (r.GetValue(postgres) is null))
            {
                r.AddError("Give exactly one of --sqlite <file> or --postgres <connection string>.");
            }

            if (r.GetValue(postgres) is not null && r.GetValue(schema) is null)
            {
                r.AddError("--postgres needs --schema (the service's schema, e.g. margin).");
            }
        });
        command.SetAction(async (result, cancellationToken) =>
        {
            var file = result.GetValue(sqlite);
            if (file is not null && !file.Exists)
            {
                await Console.Error.WriteLineAsync($"No event store at {file.FullName}.");
                return 2;
            }

            IEventStore store;
            try
            {
                store = file is not null
                    ? new SqliteEventStore(new SqliteEventStoreOptions(file.FullName))
                    : await PostgresEventStore.OpenAsync(new PostgresEventStoreOptions(result.GetValue(postgres)!) { Schema = result.GetValue(schema)! }, cancellationToken: cancellationToken);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or ArgumentException or Microsoft.Data.Sqlite.SqliteException)
            {
                await Console.Error.WriteLineAsync($"Cannot open the event store: {ex.Message}");
                return 2;
            }

            await using (store as IAsyncDisposable)
            {
                var verdict = await store.VerifyAsync(result.GetValue(stream), cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    intact = verdict.IsIntact,
                    events = verdict.EventsChecked,
                    streams = verdict.StreamsChecked,
                    firstBroken = verdict.FirstBroken is { } b ? new { stream = b.StreamId, version = b.StreamVersion, position = b.GlobalPosition, reason = b.Reason } : null,
                }));
                return verdict.IsIntact ? 0 : Broken;
            }
        });
        return command;
    }
}
