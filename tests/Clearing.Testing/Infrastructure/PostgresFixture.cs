using Npgsql;
using Testcontainers.PostgreSql;
using Xunit;

namespace Clearing.Testing.Infrastructure;

/// <summary>
/// A PostgreSQL server for tests, in this order: a Testcontainers container when a Docker engine is reachable;
/// else the server tests/run.sh started (its connection string in CLEARING_TEST_POSTGRES). With neither, the
/// fixture FAILS with the reason — a suite that needs PostgreSQL never skips silently.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "CLEARING_TEST_POSTGRES";

    private PostgreSqlContainer? _container;
    private readonly List<string> _schemas = [];

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>"testcontainers" or "local"; printed so a run says which infrastructure it used.</summary>
    public string Mode { get; private set; } = "unset";

    public async Task InitializeAsync()
    {
        if (DockerEngine.IsReachable)
        {
            _container = new PostgreSqlBuilder("postgres:16-alpine").Build();
            await _container.StartAsync();
            ConnectionString = _container.GetConnectionString();
            Mode = "testcontainers";
        }
        else if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } local)
        {
            ConnectionString = local;
            Mode = "local";
        }
        else
        {
            throw new InvalidOperationException(
                $"PostgreSQL tests need a server: no Docker engine is reachable and {EnvironmentVariable} is not set. " +
                "Run the suite through tests/run.sh, which installs and starts PostgreSQL.");
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        Console.WriteLine($"[infrastructure] PostgreSQL mode: {Mode} (server {connection.PostgreSqlVersion})");
    }

    /// <summary>A fresh schema per test, so suites run in parallel against one server.</summary>
    public string NewSchema()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N")[..12];
        lock (_schemas)
        {
            _schemas.Add(schema);
        }

        return schema;
    }

    public async Task DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
            return;
        }

        if (ConnectionString.Length == 0)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        foreach (var schema in _schemas)
        {
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
