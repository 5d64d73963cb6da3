using Clearing.Contracts.ReadModels;
using Clearing.EventSourcing;
using Clearing.Messaging.Kafka;
using Clearing.OrderGateway.Application;
using Clearing.OrderGateway.Integration;
using Clearing.ServiceDefaults.Security;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NSec.Cryptography;
using GatewayClient = Clearing.Contracts.Gateway.V1.OrderGateway.OrderGatewayClient;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>Margin's read model as the tests want it: rich accounts, one poor one, one margin has never seen.</summary>
internal sealed class FakeRiskReader : IAccountRiskReader
{
    public const string PoorAccount = "acct-poor";
    public const string UnknownToMargin = "acct-nomargin";

    public ValueTask<AccountRiskView?> ReadAsync(string accountId, CancellationToken cancellationToken) => ValueTask.FromResult<AccountRiskView?>(accountId switch
    {
        UnknownToMargin => null,
        PoorAccount => new AccountRiskView { AccountId = accountId, Equity = 10m, AvailableMargin = 10m },
        _ => new AccountRiskView { AccountId = accountId, Equity = 1_000_000m, AvailableMargin = 1_000_000m },
    });
}

/// <summary>The order-gateway host on TestServer (with its embedded Kafka broker), over a data directory that may outlive it.</summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    public static readonly string[] Accounts =
    [
        "acct-1", "acct-2", "acct-3", "acct-4", "acct-5", "acct-6", "acct-7", "acct-8", "acct-9", "acct-10", "acct-11", "acct-12",
        FakeRiskReader.PoorAccount, FakeRiskReader.UnknownToMargin,
    ];

    private static readonly Dictionary<string, Key> Keys = Accounts.ToDictionary(a => a, _ => Key.Create(SignatureAlgorithm.Ed25519));

    private readonly WebApplicationFactory<Program> _factory;
    private readonly bool _ownsDirectory;
    private GrpcChannel? _channel;

    private GatewayHost(WebApplicationFactory<Program> factory, string dataDirectory, bool ownsDirectory)
    {
        _factory = factory;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
    }

    public string DataDirectory { get; }

    public IServiceProvider Services => _factory.Services;

    public GatewayClient Client => new(_channel ??= GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler() }));

    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler() });

    public HttpClient Http() => _factory.Server.CreateClient();

    public MarketViews Markets => Services.GetRequiredService<MarketViews>();

    public IEventStore Store => Services.GetRequiredService<IEventStore>();

    public string KafkaBootstrap => Services.GetRequiredService<KafkaConnection>().BootstrapServers;

    public static Trader TraderFor(string account) => new(account, Keys[account]);

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "clearing-gateway-tests", Guid.NewGuid().ToString("N"));

    public static GatewayHost Start(string? dataDirectory = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var directory = dataDirectory ?? NewDataDirectory();
        var all = new Dictionary<string, string?>
        {
            ["Clearing:DataDirectory"] = directory,
            ["OrderGateway:RateLimitBurst"] = "8",
            ["OrderGateway:RateLimitPerSecond"] = "1",
        };
        foreach (var (account, key) in Keys)
        {
            all[$"Clearing:Auth:Traders:{account}"] = Ed25519Keys.Export(key.PublicKey);
        }

        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            all[name] = value;
        }

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(all));
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            builder.ConfigureTestServices(services => services.AddSingleton<IAccountRiskReader, FakeRiskReader>());
        });
        _ = factory.Server; // start now, so a configuration problem fails here
        return new GatewayHost(factory, directory, ownsDirectory: dataDirectory is null);
    }

    /// <summary>Commands the store holds for <paramref name="account"/> (the outbox: what will reach Kafka).</summary>
    public async Task<List<CommandAccepted>> StoredCommandsAsync(string account)
    {
        var result = new List<CommandAccepted>();
        await foreach (var recorded in Store.ReadStreamAsync($"gateway-{account}", ReadDirection.Forward, 0))
        {
            if (recorded.Type == "gateway.command-accepted.v1")
            {
                result.Add(System.Text.Json.JsonSerializer.Deserialize<CommandAccepted>(recorded.Data.Span, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!);
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await _factory.DisposeAsync();
        if (_ownsDirectory)
        {
            DeleteDirectory(DataDirectory);
        }
    }

    public static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A SQLite file still held by a pooled connection: the OS cleans the temp directory later.
        }
    }
}
