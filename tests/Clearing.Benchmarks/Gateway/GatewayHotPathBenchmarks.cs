extern alias gateway;

using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Contracts.ReadModels;
using Clearing.Dapr.State;
using Clearing.EventSourcing;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using gateway::Clearing.OrderGateway.Application;
using gateway::Clearing.OrderGateway.Integration;
using Google.Protobuf;
using Microsoft.Data.Sqlite;

namespace Clearing.Benchmarks.Gateway;

/// <summary>Short and in-process, like <see cref="GatewayVerificationBenchmarks"/> (the generated project times out building on the shared machine).</summary>
internal sealed class ShortInProcessConfig : ManualConfig
{
    public ShortInProcessConfig() =>
        AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance));
}

/// <summary>
/// The outbox relay's work per accepted command: reading the stored CommandAccepted back and parsing its protobuf
/// JSON (baseline, what every command cost before) vs taking the bytes admission handed over (which includes the
/// ToByteArray admission now pays and the byte comparison with the stored event).
/// Run: <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*GatewayOutbox*'</c>.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
[MemoryDiagnoser]
public class GatewayOutboxTranslationBenchmarks
{
    private RecordedEvent _recorded = null!;
    private EventData _stored = null!;
    private Contracts.Orders.V1.OrderCommand _proto = null!;
    private readonly GatewayOutboxTranslator _storedJson = new();
    private readonly AcceptedCommandHandoff _handoff = new();
    private GatewayOutboxTranslator _handedOver = null!;

    [GlobalSetup]
    public void Setup()
    {
        var command = new GatewayCommand
        {
            Kind = CommandKind.Place, AccountId = "taker-07", Market = "BTC-PERP", Nonce = "n-000000000123", ExpiresAtUnixNanos = 1_800_000_000_000_000_000,
            OrderId = "t-07-123", Side = OrderSide.Buy, Type = OrderType.Limit, Price = 100_150.5m, Quantity = 0.012m,
            TimeInForce = OrderTimeInForce.Ioc, SelfTrade = SelfTradeMode.CancelTaker, MarginMode = MarginMode.Cross,
        };
        const string commandId = "gw:taker-07:n-000000000123";
        _proto = OrderCommandMapping.ToProto(command, commandId, 1_700_000_000_000_000_000);
        var accepted = new CommandAccepted(command.AccountId, command.Market, commandId, "place", command.OrderId, new string('a', 64), command.Nonce,
            command.ExpiresAtUnixNanos, 1_700_000_000_000_000_000, OrderCommandMapping.ToJson(_proto));
        _stored = GatewayEvents.Serializer.Serialize(accepted, eventId: GatewayEvents.EventIdFor(commandId));
        _recorded = new RecordedEvent("gateway-taker-07", 41, 9001, _stored.EventId, _stored.Type, _stored.SchemaVersion, _stored.Data, _stored.Metadata,
            DateTimeOffset.UnixEpoch, null, null, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty);
        _handedOver = new GatewayOutboxTranslator(_handoff);
    }

    [Benchmark(Baseline = true)]
    public byte[] FromStoredJson() => _storedJson.Translate(_recorded)!.Payload;

    [Benchmark]
    public byte[] HandedOver()
    {
        _handoff.Offer(_stored, "BTC-PERP", _proto.ToByteArray());
        return _handedOver.Translate(_recorded)!.Payload;
    }
}

/// <summary>
/// Margin's read model as the gateway reads it for every risk-adding order, from margin's SQLite state store (40
/// accounts, a few positions each) down to the slice the margin check uses: a pooled connection opened, the SELECT
/// compiled, the file probed and the whole view deserialized per read (baseline, the previous reader, copied here) vs
/// one execution of a statement kept prepared and the slice read straight from the JSON.
/// Run: <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*GatewayRiskRead*'</c>.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
[MemoryDiagnoser]
public class GatewayRiskReadBenchmarks
{
    private const int Accounts = 40;
    private string _directory = null!;
    private string _path = null!;
    private string _connectionString = null!;
    private readonly JsonSerializerOptions _web = new(JsonSerializerDefaults.Web);
    private SqliteAccountRiskReader _prepared = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "clearing-bench-risk", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _path = SqliteStateStore.PathFor(_directory, AccountRiskView.StateStoreName);
        using (var margin = new SqliteStateStore(AccountRiskView.StateStoreName, _path))
        {
            for (var a = 0; a < Accounts; a++)
            {
                var view = new AccountRiskView
                {
                    AccountId = $"acct-{a}", Equity = 100_000m + a, AvailableMargin = 80_000m + a,
                    Positions = [new PositionView("BTC-PERP", 0.5m, 100_000m, 100_100m, 50m, false, 0m, 5_000m, 2_500m),
                        new PositionView("ETH-PERP", -3m, 3_000m, 2_990m, 30m, false, 0m, 900m, 450m)],
                };
                margin.SaveAsync(AccountRiskView.KeyFor(view.AccountId), JsonSerializer.SerializeToUtf8Bytes(view, new JsonSerializerOptions(JsonSerializerDefaults.Web)),
                    WriteCondition.Unconditional).AsTask().GetAwaiter().GetResult();
            }
        }

        _connectionString = new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadOnly, Cache = SqliteCacheMode.Private, Pooling = true }.ToString();
        _prepared = new SqliteAccountRiskReader(_path);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _prepared.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private string NextAccount() => $"acct-{_next++ % Accounts}";

    [Benchmark(Baseline = true)]
    public async Task<decimal> OpenPerRead()
    {
        var accountId = NextAccount();
        if (!File.Exists(_path))
        {
            return -1m;
        }

        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM state WHERE key = $key";
        command.Parameters.AddWithValue("$key", AccountRiskView.KeyFor(accountId));
        var view = await command.ExecuteScalarAsync() is string json ? JsonSerializer.Deserialize<AccountRiskView>(json, _web) : null;
        return view!.Positions.GroupBy(p => p.Market, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Size), StringComparer.Ordinal).Count + view.AvailableMargin;
    }

    [Benchmark]
    public async Task<decimal> PreparedRead()
    {
        var snapshot = (await _prepared.ReadMarginAsync(NextAccount(), CancellationToken.None))!;
        return snapshot.PositionSizes.Count + snapshot.AvailableMargin;
    }
}

/// <summary>
/// The canonical amount text, written three times per order (signature bytes, content hash, public command): the
/// custom numeric format it is defined by (baseline) vs the general format with trailing zeros cut.
/// Run: <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*GatewayDecimal*'</c>.
/// </summary>
[Config(typeof(ShortInProcessConfig))]
[MemoryDiagnoser]
public class GatewayDecimalTextBenchmarks
{
    private readonly decimal[] _amounts = [100_150.5m, 0.012m, 1m, 0.100m, 49_000.50m, 3_000m, 0.0001m, 12.345678m];

    [Benchmark(Baseline = true)]
    public int CustomFormat()
    {
        var length = 0;
        foreach (var amount in _amounts)
        {
            length += amount.ToString("0.############################", CultureInfo.InvariantCulture).Length;
        }

        return length;
    }

    [Benchmark]
    public int TrimmedGeneralFormat()
    {
        var length = 0;
        foreach (var amount in _amounts)
        {
            length += DecimalText.Format(amount).Length;
        }

        return length;
    }
}
