using Clearing.EventSourcing;
using Clearing.EventSourcing.Sqlite;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clearing.Liquidation.Tests.Support;

/// <summary>The host's engine over a real SQLite event store in a temp directory; <see cref="Restart"/> is a new process on the same store.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearing-liquidation-tests", Guid.NewGuid().ToString("N"));
    private readonly LiquidationRules _rules;
    private Func<DateTimeOffset, LiquidationRules>? _rulesAt;

    public EngineHarness(LiquidationRules rules)
    {
        Directory.CreateDirectory(_directory);
        _rules = rules;
        Store = new SqliteEventStore(new SqliteEventStoreOptions(Path.Combine(_directory, "events.db")));
        Engine = Restart();
    }

    public SqliteEventStore Store { get; }

    public LiquidationEngine Engine { get; private set; }

    public LiquidationEngine Restart() => Engine = new LiquidationEngine(Store, _rules, TimeProvider.System, NullLogger<LiquidationEngine>.Instance, rulesAt: _rulesAt);

    /// <summary>A new engine on the same store that takes its rules from <paramref name="rulesAt"/> (the governance gateway).</summary>
    public LiquidationEngine Restart(Func<DateTimeOffset, LiquidationRules> rulesAt)
    {
        _rulesAt = rulesAt;
        return Restart();
    }

    public async Task<List<(string Stream, object Event)>> AllEventsAsync()
    {
        var all = new List<(string, object)>();
        await foreach (var recorded in Store.ReadAllAsync(1, int.MaxValue))
        {
            if (recorded.Category == Clearing.Parameters.ParameterSets.StreamCategory)
            {
                // Governance parameters the service keeps in the same store (ParameterFeed): not liquidation events.
                continue;
            }

            all.Add((recorded.StreamId, LiquidationJsonContext.Serializer.Deserialize(recorded)));
        }

        return all;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp directory is cleaned by the OS.
        }
    }
}
