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

    /// <summary>What the margin-headroom check needs of the account's current view; null when margin has not written one.</summary>
    async ValueTask<MarginSnapshot?> ReadMarginAsync(string accountId, CancellationToken cancellationToken) =>
        AccountRiskViews.ToSnapshot(await ReadAsync(accountId, cancellationToken));
}

internal static class AccountRiskViews
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static MarginSnapshot? ToSnapshot(AccountRiskView? view) =>
        view is null
            ? null
            : new MarginSnapshot(view.AvailableMargin, view.Liquidating,
                view.Positions.GroupBy(p => p.Market, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Size), StringComparer.Ordinal));

    /// <summary>
    /// <see cref="ToSnapshot"/> of the view <paramref name="utf8Json"/> holds, read straight from the JSON: only
    /// availableMargin, liquidating and each position's market and size are read, the rest (greeks, per-position
    /// requirements, …) is skipped, where deserializing the whole view was most of a risk read. It reads what
    /// <see cref="Json"/> reads (names in any case, numbers also as strings, the last of a repeated property; a view
    /// without accountId or with a null where a value is due is refused); a test holds the two equal.
    /// </summary>
    public static MarginSnapshot ParseSnapshot(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "a risk view must be a JSON object");
        var available = 0m;
        var liquidating = false;
        var hasAccount = false;
        Dictionary<string, decimal> sizes = new(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Name(ref reader);
            reader.Read();
            switch (name)
            {
                case Field.AccountId:
                    Expect(reader.TokenType is JsonTokenType.String or JsonTokenType.Null, "accountId must be a string");
                    hasAccount = true;
                    break;
                case Field.AvailableMargin:
                    available = Decimal(ref reader, "availableMargin");
                    break;
                case Field.Liquidating:
                    Expect(reader.TokenType is JsonTokenType.True or JsonTokenType.False, "liquidating must be true or false");
                    liquidating = reader.GetBoolean();
                    break;
                case Field.Positions:
                    sizes = Positions(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        Expect(reader.TokenType == JsonTokenType.EndObject && !reader.Read(), "a risk view must be one JSON object");
        Expect(hasAccount, "a risk view must name its accountId");
        return new MarginSnapshot(available, liquidating, sizes);
    }

    private enum Field
    {
        Other,
        AccountId,
        AvailableMargin,
        Liquidating,
        Positions,
        Market,
        Size,
    }

    /// <summary>The property at the reader, matched without regard to case as the web defaults match it.</summary>
    private static Field Name(ref Utf8JsonReader reader)
    {
        // The camel-case spelling margin writes is matched without allocating; any other spelling is compared as text.
        if (reader.ValueTextEquals("availableMargin"u8))
        {
            return Field.AvailableMargin;
        }

        if (reader.ValueTextEquals("size"u8))
        {
            return Field.Size;
        }

        if (reader.ValueTextEquals("market"u8))
        {
            return Field.Market;
        }

        if (reader.ValueTextEquals("accountId"u8))
        {
            return Field.AccountId;
        }

        if (reader.ValueTextEquals("liquidating"u8))
        {
            return Field.Liquidating;
        }

        if (reader.ValueTextEquals("positions"u8))
        {
            return Field.Positions;
        }

        // Every other property of the view (greeks, requirements, …) lands here: compared in place when it is plain
        // ASCII, where ignoring ASCII case is exactly what OrdinalIgnoreCase does, instead of becoming a string each.
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && System.Text.Ascii.IsValid(reader.ValueSpan))
        {
            var span = reader.ValueSpan;
            return span switch
            {
                _ when System.Text.Ascii.EqualsIgnoreCase(span, "availableMargin"u8) => Field.AvailableMargin,
                _ when System.Text.Ascii.EqualsIgnoreCase(span, "size"u8) => Field.Size,
                _ when System.Text.Ascii.EqualsIgnoreCase(span, "market"u8) => Field.Market,
                _ when System.Text.Ascii.EqualsIgnoreCase(span, "accountId"u8) => Field.AccountId,
                _ when System.Text.Ascii.EqualsIgnoreCase(span, "liquidating"u8) => Field.Liquidating,
                _ when System.Text.Ascii.EqualsIgnoreCase(span, "positions"u8) => Field.Positions,
                _ => Field.Other,
            };
        }

        var text = reader.GetString();
        return text switch
        {
            _ when string.Equals(text, "availableMargin", StringComparison.OrdinalIgnoreCase) => Field.AvailableMargin,
            _ when string.Equals(text, "size", StringComparison.OrdinalIgnoreCase) => Field.Size,
            _ when string.Equals(text, "market", StringComparison.OrdinalIgnoreCase) => Field.Market,
            _ when string.Equals(text, "accountId", StringComparison.OrdinalIgnoreCase) => Field.AccountId,
            _ when string.Equals(text, "liquidating", StringComparison.OrdinalIgnoreCase) => Field.Liquidating,
            _ when string.Equals(text, "positions", StringComparison.OrdinalIgnoreCase) => Field.Positions,
            _ => Field.Other,
        };
    }

    private static Dictionary<string, decimal> Positions(ref Utf8JsonReader reader)
    {
        // A null list deserializes, and then fails ToSnapshot: refused here instead.
        Expect(reader.TokenType == JsonTokenType.StartArray, "positions must be an array");
        var sizes = new Dictionary<string, decimal>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(reader.TokenType == JsonTokenType.StartObject, "each position must be an object");
            string? market = null;
            var size = 0m;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = Name(ref reader);
                reader.Read();
                switch (name)
                {
                    case Field.Market:
                        Expect(reader.TokenType == JsonTokenType.String, "a position's market must be a string");
                        market = reader.GetString();
                        break;
                    case Field.Size:
                        size = Decimal(ref reader, "size");
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            // A position is a positional record: the serializer refuses one without its market.
            Expect(market is not null, "each position must name its market");
            sizes[market!] = sizes.GetValueOrDefault(market!) + size;
        }

        return sizes;
    }

    private static decimal Decimal(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.GetDecimal();
        }

        // The web defaults also read a number written as a string.
        Expect(reader.TokenType == JsonTokenType.String, $"{field} must be a number");
        return decimal.Parse(reader.GetString()!, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            throw new JsonException($"margin's risk view: {problem}");
        }
    }
}

/// <summary>Dapr enabled: margin's "margin-risk" state store component, through the sidecar.</summary>
internal sealed class StateStoreAccountRiskReader(IStateStore store) : IAccountRiskReader
{
    public async ValueTask<AccountRiskView?> ReadAsync(string accountId, CancellationToken cancellationToken)
    {
        var entry = await store.GetAsync(AccountRiskView.KeyFor(accountId), cancellationToken);
        return entry is null ? null : JsonSerializer.Deserialize<AccountRiskView>(entry.Value.Span, AccountRiskViews.Json);
    }

    public async ValueTask<MarginSnapshot?> ReadMarginAsync(string accountId, CancellationToken cancellationToken)
    {
        var entry = await store.GetAsync(AccountRiskView.KeyFor(accountId), cancellationToken);
        return entry is null ? null : AccountRiskViews.ParseSnapshot(entry.Value.Span);
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

    // Kept beside the bag: ConcurrentBag.Count freezes the bag (every thread's lock), which concurrent reads contended on.
    private int _idleCount;
    private volatile bool _fileSeen;
    private bool _disposed;

    public string DatabasePath => databasePath;

    public ValueTask<AccountRiskView?> ReadAsync(string accountId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Read(accountId, cancellationToken) is { } json ? JsonSerializer.Deserialize<AccountRiskView>(json, AccountRiskViews.Json) : null);

    public ValueTask<MarginSnapshot?> ReadMarginAsync(string accountId, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Read(accountId, cancellationToken) is { } json ? AccountRiskViews.ParseSnapshot(json) : null);

    /// <summary>The view's UTF-8 JSON as stored, null when margin has written none.</summary>
    private byte[]? Read(string accountId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Once margin has created the file it stays: only the reads before that pay for the probe.
        if (!_fileSeen)
        {
            if (!File.Exists(databasePath))
            {
                return null;
            }

            _fileSeen = true;
        }

        // Microsoft.Data.Sqlite runs its async calls synchronously; a point read by primary key is microseconds.
        PreparedRead read;
        try
        {
            read = TryTakeIdle() ?? new PreparedRead(_connectionString);
        }
        catch (SqliteException ex) when (IsMissingTable(ex))
        {
            // Margin created the file but not its table yet: it has written no view.
            return null;
        }

        byte[]? json;
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

        var kept = false;
        if (!_disposed)
        {
            if (Interlocked.Increment(ref _idleCount) <= MaxIdle)
            {
                _idle.Add(read);
                kept = true;
            }
            else
            {
                Interlocked.Decrement(ref _idleCount);
            }
        }

        if (!kept)
        {
            read.Dispose();
        }

        return json;
    }

    public void Dispose()
    {
        _disposed = true;
        while (TryTakeIdle() is { } read)
        {
            read.Dispose();
        }
    }

    private PreparedRead? TryTakeIdle()
    {
        if (_idle.TryTake(out var read))
        {
            Interlocked.Decrement(ref _idleCount);
            return read;
        }

        return null;
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

        /// <summary>The value's bytes: SQLite hands a TEXT value over as its UTF-8 bytes, which is what the JSON reader reads.</summary>
        public byte[]? Execute(string key)
        {
            _key.Value = key;
            using var row = _command.ExecuteReader();
            return row.Read() && !row.IsDBNull(0) ? row.GetFieldValue<byte[]>(0) : null;
        }

        public void Dispose()
        {
            _command.Dispose();
            _connection.Dispose();
        }
    }
}
