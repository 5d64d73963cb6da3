using System.Security.Claims;
using Clearing.ServiceDefaults;
using Clearing.ServiceDefaults.Configuration;
using Clearing.ServiceDefaults.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>
/// A bare host with only the service defaults and a few HTTP endpoints, one per kind of caller plus one that
/// declares nobody: the authentication layer tested without any service's business around it.
/// </summary>
public sealed class ProbeApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private ProbeApp(WebApplication app, string dataDirectory)
    {
        _app = app;
        _dataDirectory = dataDirectory;
    }

    public TestServer Server => _app.GetTestServer();

    public IServiceProvider Services => _app.Services;

    public static async Task<ProbeApp> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, bool useTestServer = true)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "clearing-hosting-tests", $"probe-{Guid.NewGuid():N}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(TestCredentials.Settings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Clearing:DataDirectory"] = dataDirectory });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        if (useTestServer)
        {
            builder.WebHost.UseTestServer();
        }

        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddServiceDefaults();
        builder.AddServiceIdentity("probe", grpcPort: 7199, httpPort: 8199);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapPost("/probe/trader", (ClaimsPrincipal user) => user.FindFirstValue(ClearingClaims.Account)).RequireCallers(Caller.Trader);
        app.MapGet("/probe/operator", (ClaimsPrincipal user) => user.FindFirstValue(ClearingClaims.Operator)).RequireCallers(Caller.Operator);
        app.MapGet("/probe/service", (ClaimsPrincipal user) => user.FindFirstValue(ClearingClaims.Service)).RequireCallers(Caller.Service);
        app.MapGet("/probe/undeclared", () => "this handler must never run");
        app.MapGrpcService<Clearing.ServiceDefaults.Operations.ReplayGrpcService>();
        await app.StartAsync();
        return new ProbeApp(app, dataDirectory);
    }

    /// <summary>Sends one request through TestServer, letting the test set connection facts (client certificate, remote address).</summary>
    public async Task<(int Status, string Body)> SendAsync(string method, string path, Action<HttpContext>? connection = null, IEnumerable<KeyValuePair<string, string>>? headers = null, byte[]? body = null)
    {
        var context = await Server.SendAsync(c =>
        {
            c.Request.Method = method;
            c.Request.Path = path;
            foreach (var (name, value) in headers ?? [])
            {
                c.Request.Headers[name] = value;
            }

            if (body is not null)
            {
                c.Request.Body = new MemoryStream(body);
                c.Request.ContentLength = body.Length;
                c.Request.ContentType = "application/json";
            }

            connection?.Invoke(c);
        });
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, await reader.ReadToEndAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
