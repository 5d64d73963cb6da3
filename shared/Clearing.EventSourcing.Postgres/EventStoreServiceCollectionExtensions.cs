using Clearing.EventSourcing.Postgres;
using Clearing.EventSourcing.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Clearing.EventSourcing;

/// <summary>
/// Chooses the adapter from configuration (DESIGN.md §7). It lives beside the PostgreSQL adapter because it is the
/// one place that knows both: `EventStore:Postgres` set → PostgreSQL, otherwise SQLite under the data directory.
/// </summary>
public static class EventStoreServiceCollectionExtensions
{
    public static IServiceCollection AddClearingEventStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IEventStore>(provider =>
        {
            var environment = provider.GetService<IHostEnvironment>();
            var settings = EventStoreSettings.From(configuration, environment?.ApplicationName ?? "clearing");
            var time = provider.GetService<TimeProvider>() ?? TimeProvider.System;
            // Opening runs once, when the host first resolves the store at start-up; a store that cannot be
            // reached fails start-up with the reason instead of failing the first request.
            return settings.PostgresConnectionString is { } connectionString
                ? PostgresEventStore.OpenAsync(new PostgresEventStoreOptions(connectionString) { Schema = settings.PostgresSchema }, time).GetAwaiter().GetResult()
                : new SqliteEventStore(new SqliteEventStoreOptions(settings.SqlitePath), time);
        });
        services.AddHealthChecks().AddCheck<EventStoreHealthCheck>("event-store", HealthStatus.Unhealthy, ["ready"]);
        return services;
    }
}

/// <summary>The event store's configuration keys, validated with messages that name the key.</summary>
public sealed record EventStoreSettings(string? PostgresConnectionString, string PostgresSchema, string SqlitePath)
{
    public static EventStoreSettings From(IConfiguration configuration, string applicationName)
    {
        var service = ServiceSlug(configuration["Clearing:ServiceName"] ?? applicationName);
        var connectionString = configuration["EventStore:Postgres"];
        var schema = configuration["EventStore:PostgresSchema"] ?? service;
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            PostgresSchemaName(schema);
        }

        var dataDirectory = configuration["Clearing:DataDirectory"] ?? Path.Combine(".clearing", "data");
        var sqlitePath = configuration["EventStore:SqlitePath"] ?? Path.Combine(dataDirectory, service, "events.db");
        return new EventStoreSettings(string.IsNullOrWhiteSpace(connectionString) ? null : connectionString, schema, sqlitePath);
    }

    /// <summary>"Clearing.OrderGateway" → "order_gateway": one schema / directory per service.</summary>
    public static string ServiceSlug(string name) => Clearing.Primitives.ServiceName.Slug(name);

    private static void PostgresSchemaName(string schema)
    {
        try
        {
            Postgres.PostgresSchema.ValidateIdentifier(schema);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }
}
