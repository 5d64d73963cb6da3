using System.CommandLine;
using Clearing.EventSourcing;
using Clearing.EventSourcing.Postgres;
using Clearing.EventSourcing.Sqlite;

namespace Clearing.Cli.Commands;

/// <summary>
/// The ways an ops command names an event store: a SQLite file, or a PostgreSQL connection string with the service's
/// schema. Shared by `verify` and `replay` so both read stores the same way (and the Helm replay Job can pass them).
/// </summary>
internal sealed class StoreArguments
{
    public Option<FileInfo?> Sqlite { get; } = new("--sqlite") { Description = "Path to a SQLite event store (e.g. .clearing/data/margin/events.db)." };
    public Option<string?> Postgres { get; } = new("--postgres") { Description = "PostgreSQL connection string of the event store." };
    public Option<string?> Schema { get; } = new("--schema") { Description = "PostgreSQL schema (the service name, e.g. margin)." };

    public void AddTo(Command command, bool required = true)
    {
        command.Options.Add(Sqlite);
        command.Options.Add(Postgres);
        command.Options.Add(Schema);
        command.Validators.Add(r =>
        {
            var given = (r.GetValue(Sqlite) is null ? 0 : 1) + (r.GetValue(Postgres) is null ? 0 : 1);
            if (given > 1 || (required && given == 0))
            {
                r.AddError(required
                    ? "Give exactly one of --sqlite <file> or --postgres <connection string>."
                    : "Give at most one of --sqlite <file> or --postgres <connection string>.");
            }
            if (r.GetValue(Postgres) is not null && r.GetValue(Schema) is null)
            {
                r.AddError("--postgres needs --schema (the service's schema, e.g. margin).");
            }
        });
    }

    /// <summary>Opens the store named by the arguments (or <paramref name="fallbackSqlite"/>); null with a message on stderr when it cannot.</summary>
    public async Task<IEventStore?> OpenAsync(ParseResult result, CancellationToken cancellationToken, FileInfo? fallbackSqlite = null)
    {
        var file = result.GetValue(Sqlite) ?? (result.GetValue(Postgres) is null ? fallbackSqlite : null);
        if (file is not null && !file.Exists)
        {
            await Console.Error.WriteLineAsync($"No event store at {file.FullName}.");
            return null;
        }
        try
        {
            return file is not null
                ? new SqliteEventStore(new SqliteEventStoreOptions(file.FullName))
                : await PostgresEventStore.OpenAsync(new PostgresEventStoreOptions(result.GetValue(Postgres)!) { Schema = result.GetValue(Schema)! }, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or ArgumentException or Microsoft.Data.Sqlite.SqliteException)
        {
            await Console.Error.WriteLineAsync($"Cannot open the event store: {ex.Message}");
            return null;
        }
    }
}
