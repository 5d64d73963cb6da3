using Clearing.Hosting.Tests.Infrastructure;
using Clearing.ServiceDefaults.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Clearing.Hosting.Tests;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Clearing:Grpc:Port", "70000", "Clearing:Grpc:Port must be 1..65535")]
    [InlineData("Clearing:Http:Port", "0", "Clearing:Http:Port must be 1..65535")]
    [InlineData("Clearing:Grpc:Address", "not-an-ip", "Clearing:Grpc:Address must be an IP address")]
    [InlineData("Clearing:ShutdownTimeout", "00:30:00", "Clearing:ShutdownTimeout must be between 00:00:01 and 00:10:00")]
    [InlineData("Clearing:ServiceName", "Margin Service", "Clearing:ServiceName must be lower-case")]
    [InlineData("Clearing:Auth:Operators:bob", "not-a-key", "Clearing:Auth:Operators:bob must be a base64 Ed25519 public key")]
    [InlineData("Clearing:Auth:Traders:acc 7", "AAAA", "Clearing:Auth:Traders:acc 7 is not a valid id")]
    [InlineData("Clearing:Auth:MaxClockSkew", "01:00:00", "Clearing:Auth:MaxClockSkew must be between")]
    [InlineData("Clearing:Auth:ServiceNames:0", "margin.clearing.svc", "Clearing:Auth:ClientCaPath (or ClientCaPem) must be set")]
    [InlineData("Clearing:Grpc:Tls:CertificatePath", "/nonexistent/tls.crt", "Clearing:Grpc:Tls:CertificatePath '/nonexistent/tls.crt' does not exist")]
    public async Task invalid_configuration_stops_start_up_with_a_message_naming_the_key(string key, string value, string expected)
    {
        var failure = await Should.ThrowAsync<Exception>(async () =>
        {
            await using var host = HostCatalog.Start("margin", new Dictionary<string, string?> { [key] = value });
        });

        AllMessages(failure).ShouldContain(expected);
    }

    [Fact]
    public async Task the_same_port_for_grpc_and_http_stops_start_up()
    {
        var failure = await Should.ThrowAsync<Exception>(async () =>
        {
            await using var host = HostCatalog.Start("funding", new Dictionary<string, string?> { ["Clearing:Grpc:Port"] = "8105" });
        });

        AllMessages(failure).ShouldContain("Clearing:Grpc:Port and Clearing:Http:Port must differ (both are 8105)");
    }

    [Fact]
    public async Task a_data_directory_that_cannot_be_created_stops_start_up()
    {
        var file = Path.GetTempFileName();
        try
        {
            var failure = await Should.ThrowAsync<Exception>(async () =>
            {
                await using var host = HostCatalog.Start("settlement", new Dictionary<string, string?> { ["Clearing:DataDirectory"] = Path.Combine(file, "data") });
            });

            AllMessages(failure).ShouldContain($"Clearing:DataDirectory '{Path.Combine(file, "data")}' is not usable");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task configured_values_override_the_service_defaults()
    {
        await using var host = HostCatalog.Start("liquidation", new Dictionary<string, string?>
        {
            ["Clearing:Grpc:Port"] = "9106",
            ["Clearing:ShutdownTimeout"] = "00:00:12",
        });

        var options = host.Services.GetRequiredService<IOptions<ClearingOptions>>().Value;
        options.Grpc.Port.ShouldBe(9106);
        options.Http.Port.ShouldBe(8106);
        options.ServiceName.ShouldBe("liquidation");
        host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout.ShouldBe(TimeSpan.FromSeconds(12));
    }

    private static string AllMessages(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(AllMessages));
            }
        }

        return string.Join(" | ", messages);
    }
}
