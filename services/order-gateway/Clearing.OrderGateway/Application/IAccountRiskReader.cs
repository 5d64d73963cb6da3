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
/// not exist until margin writes its first view; until then every account has no view.
/// </summary>
internal sealed class SqliteAccountRiskReader(string databasePath) : IAccountRiskReader
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadOnly,
        Cache = SqliteCacheMode.Private,
        Pooling = true,
    }.ToString();

    public string DatabasePath => databasePath;

    public async ValueTask<AccountRiskView?> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        if (!File.Exists(databasePath))
        {
            return null;
        }

        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM state WHERE key = $key";
        command.Parameters.AddWithValue("$key", AccountRiskView.KeyFor(accountId));
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken) is string json
                ? JsonSerializer.Deserialize<AccountRiskView>(json, AccountRiskViews.Json)
                : null;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1 && ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            // Margin created the file but not its table yet: it has written no view.
            return null;
        }
    }
}
