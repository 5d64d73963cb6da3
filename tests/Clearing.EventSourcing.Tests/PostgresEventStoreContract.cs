using Clearing.EventSourcing;
using Clearing.EventSourcing.Postgres;
using Clearing.Testing.Infrastructure;
using Npgsql;

namespace Clearing.EventSourcing.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>The event store contract against PostgreSQL (Testcontainers, or the server tests/run.sh started).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresEventStoreContract(PostgresFixture postgres) : EventStoreContract
{
    private readonly string _schema = postgres.NewSchema();

    protected override async Task<IEventStore> CreateStoreAsync() =>
        await PostgresEventStore.OpenAsync(new PostgresEventStoreOptions(postgres.ConnectionString) { Schema = _schema, PollInterval = TimeSpan.FromMilliseconds(20) });

    protected override Task<IEventStore> ReopenStoreAsync() => CreateStoreAsync();

    protected override async Task TamperAsync(string streamId, long version, string json)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"UPDATE \"{_schema}\".events SET data = $1::json WHERE stream_id = $2 AND stream_version = $3", connection);
        command.Parameters.AddWithValue(json);
        command.Parameters.AddWithValue(streamId);
        command.Parameters.AddWithValue(version);
        (await command.ExecuteNonQueryAsync()).ShouldBe(1);
    }
}
