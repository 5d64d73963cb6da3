using Clearing.ServiceDefaults.Security;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using NSec.Cryptography;

namespace Clearing.OracleIngest.Tests;

/// <summary>The oracle-ingest host in-process on TestServer with its embedded defaults (SQLite store, in-process Kafka).</summary>
internal sealed class OracleHost : IAsyncDisposable
{
    public const string OperatorId = "ops-oracle";
    public const string DaprToken = "oracle-tests-sidecar-token";

    private readonly WebApplicationFactory<Program> _factory;
    private readonly string _dataDirectory;

    public OracleHost(IEnumerable<string> publishers, IReadOnlyDictionary<string, string?>? settings = null)
    {
        _dataDirectory = Path.Combine(Path.GetTempPath(), "clearing-oracle-tests", Guid.NewGuid().ToString("N"));
        var all = new Dictionary<string, string?>
        {
            ["Clearing:DataDirectory"] = _dataDirectory,
            [$"Clearing:Auth:Operators:{OperatorId}"] = Ed25519Keys.Export(OperatorKey.PublicKey),
            ["Clearing:Auth:Dapr:AppApiToken"] = DaprToken,
        };
        foreach (var id in publishers)
        {
            all[$"OracleIngest:Publishers:{id}:PublicKey"] = Ed25519Keys.Export(OracleWorld.KeyOf(id).PublicKey);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(all));
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            // TestServer has no socket: requests arrive as if from the local Dapr sidecar, the only place the token is valid.
            builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, LoopbackStartupFilter>());
        });
        Channel = GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler() });
    }

    public static Key OperatorKey { get; } = Key.Create(SignatureAlgorithm.Ed25519);

    public static RequestSigner Operator => new(OperatorKey, SignerKind.Operator, OperatorId);

    /// <summary>A publisher connecting through its Dapr sidecar: the Service caller the publisher stream requires.</summary>
    public static Metadata PublisherConnection => new() { { "dapr-api-token", DaprToken }, { "dapr-caller-app-id", "publisher-gateway" } };

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => _factory.Services;

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _factory.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a background thread: the temp directory is cleaned by the OS later.
        }
    }
}

internal sealed class LoopbackStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Loopback;
            return nextMiddleware();
        });
        next(app);
    };
}
