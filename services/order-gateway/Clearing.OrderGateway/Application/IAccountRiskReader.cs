using System.Collections.Concurrent;
using System.Text.Json;
using Clearing.Contracts.ReadModels;
using Clearing.Dapr.State;
using Clearing.OrderGateway.Domain.Rules;
using Microsoft.Data.Sqlite;

namespace Clearing.OrderGateway.Application;

/// <summary>Reads margin's account read model (<see cref="AccountRiskView"/>) for the margin-headroom check.</summary>
public interface IAccountRiskReader
{
    /// <summary>The account's current view, or null when margin has not written one.</summary>
    ValueTask<AccountRiskView?> ReadAsync(string accountId, CancellationToken cancellationToken);
}

internal static class AccountRiskViews
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static MarginSnapshot? ToSnapshot(AccountRiskView? view) =>
        view is null
            ? null
            : new MarginSnapshot(view.AvailableMargin, view.Liquidating,
                view.Positions.GroupBy(p => p.Market, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Size), StringComparer.Ordinal));
}

/// <summary>Dapr enabled: margin's "margin-risk" state store component, through the sidecar.</summary>
internal sealed class StateStoreAccountRiskReader(IStateStore store) : IAccountRiskReader
{
    public async ValueTask<AccountRiskView?> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        var entry = await store.GetAsync(AccountRiskView.KeyFor(accountId), cancellationToken);
        return entry is null ? null : JsonSerializer.Deserialize<AccountRiskView>(entry.Value.Span, AccountRiskViews.Json);
    }
}

/// <summary>
/// Dapr disabled: margin's embedded SQLite state store, opened read-only (margin is its only writer). The file does
/// not exist until margin writes its first view; until then every account has no view. Each read is one execution of
/// a statement prepared once per connection: opening a pooled connection, compiling the SELECT and probing the file on
/// every order was a tenth of the gateway's own work under load. Every execution is its own read transaction, so it
/// sees margin's latest commit exactly as a fresh connection would: nothing is cached but the compiled statement.
/// </summary>
internal sealed class SqliteAccountRiskReader(string databasePath) : IAccountRiskReader, IDisposable
{
    /// <summary>Idle prepared readers kept for reuse; concurrent reads beyond this open and close their own.</summary>
    private const int MaxIdle = 8;

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadOnly,
        Cache = SqliteCacheMode.Private,
        Pooling = false,
    }.ToString();

    private readonly ConcurrentBag<PreparedRead> _idle = [];
    private volatile bool _fileSeen;
    private bool _disposed;

    public string DatabasePath => databasePath;

    public ValueTask<AccountRiskView?> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Once margin has created the file it stays: only the reads before that pay for the probe.
        if (!_fileSeen)
        {
            if (!File.Exists(databasePath))
            {
                return ValueTask.FromResult<AccountRiskView?>(null);
            }

            _fileSeen = true;
        }

        // Microsoft.Data.Sqlite runs its async calls synchronously; a point read by primary key is microseconds.
        PreparedRead read;
        try
        {
            read = _idle.TryTake(out var idle) ? idle : new PreparedRead(_connectionString);
        }
        catch (SqliteException ex) when (IsMissingTable(ex))
        {
            // Margin created the file but not its table yet: it has written no view.
            return ValueTask.FromResult<AccountRiskView?>(null);
        }

        string? json;
        try
        {
            json = read.Execute(AccountRiskView.KeyFor(accountId));
        }
        catch
        {
            // A reader in an unknown state is not reused.
            read.Dispose();
            throw;
        }

        if (_disposed || _idle.Count >= MaxIdle)
        {
            read.Dispose();
        }
        else
        {
            _idle.Add(read);
        }

        return ValueTask.FromResult(json is null ? null : JsonSerializer.Deserialize<AccountRiskView>(json, AccountRiskViews.Json));
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var read))
        {
            read.Dispose();
        }
    }

    private static bool IsMissingTable(SqliteException ex) =>
        ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.Ordinal);

    /// <summary>One read-only connection with the point SELECT compiled on it.</summary>
    private sealed class PreparedRead : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _command;
        private readonly SqliteParameter _key;

        public PreparedRead(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            try
            {
                _connection.Open();
                _command = _connection.CreateCommand();
                _command.CommandText = "SELECT value FROM state WHERE key = $key";
                _key = _command.Parameters.Add("$key", SqliteType.Text);
                _key.Value = "";
                _command.Prepare();
            }
            catch
            {
                _connection.Dispose();
                throw;
            }
        }

        public string? Execute(string key)
        {
            _key.Value = key;
            return _command.ExecuteScalar() as string;
        }

        public void Dispose()
        {
            _command.Dispose();
            _connection.Dispose();
        }
    }
}
