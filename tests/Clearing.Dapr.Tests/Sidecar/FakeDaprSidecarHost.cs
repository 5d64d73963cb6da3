using System.Net;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Clearing.Dapr.Tests.Sidecar;

/// <summary>Serves a <see cref="FakeDaprSidecar"/> over HTTP/2 cleartext on a free loopback port, as daprd serves :50001.</summary>
public sealed class FakeDaprSidecarHost : IAsyncDisposable
{
    public const string StoreName = "statestore";
    public const string PubSubName = "pubsub";

    private readonly WebApplication _app;

    private FakeDaprSidecarHost(WebApplication app, FakeDaprSidecar sidecar, string grpcEndpoint)
    {
        _app = app;
        Sidecar = sidecar;
        GrpcEndpoint = grpcEndpoint;
    }

    public FakeDaprSidecar Sidecar { get; }

    public string GrpcEndpoint { get; }

    public static async Task<FakeDaprSidecarHost> StartAsync(FakeDaprSidecar? sidecar = null)
    {
        sidecar ??= new FakeDaprSidecar("clearing-test", [StoreName], [PubSubName]);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(sidecar);
        builder.Services.AddSingleton<IServiceMethodProvider<FakeDaprSidecar>, FakeDaprSidecarMethodProvider>();
        var app = builder.Build();
        app.MapGrpcService<FakeDaprSidecar>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeDaprSidecarHost(app, sidecar, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One sidecar per test class; each test starts from empty state.</summary>
public sealed class FakeDaprSidecarFixture : IAsyncLifetime
{
    public FakeDaprSidecarHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await FakeDaprSidecarHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
