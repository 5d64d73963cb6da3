using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>One service host running in-process on TestServer, with its own data directory.</summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly IAsyncDisposable _factory;
    private readonly string _dataDirectory;
    private GrpcChannel? _channel;

    private ServiceHost(string name, IAsyncDisposable factory, TestServer server, string dataDirectory)
    {
        Name = name;
        _factory = factory;
        Server = server;
        _dataDirectory = dataDirectory;
    }

    public string Name { get; }

    public TestServer Server { get; }

    public IServiceProvider Services => Server.Services;

    public HttpClient CreateHttpClient() => Server.CreateClient();

    /// <summary>gRPC over TestServer's in-memory handler (HTTP/2 semantics without sockets).</summary>
    public GrpcChannel Channel => _channel ??= GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    /// <summary>
    /// Builds and starts the host whose Program is <typeparamref name="TEntryPoint"/>. Settings are layered on top of
    /// the host's own defaults; <paramref name="services"/> runs after the host's registrations.
    /// </summary>
    public static ServiceHost Start<TEntryPoint>(string name, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
        where TEntryPoint : class
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "clearing-hosting-tests", $"{name}-{Guid.NewGuid():N}");
        var all = new Dictionary<string, string?>
        {
            ["Clearing:DataDirectory"] = dataDirectory,
        };
        foreach (var (key, value) in TestCredentials.Settings())
        {
            all[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var root = new WebApplicationFactory<TEntryPoint>();
        var factory = root.WithWebHostBuilder(builder =>
        {
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(all));
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        });
        try
        {
            return new ServiceHost(name, root, factory.Server, dataDirectory);
        }
        catch
        {
            root.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
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
