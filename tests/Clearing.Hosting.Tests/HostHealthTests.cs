using System.Net;
using System.Text.Json;
using Clearing.Hosting.Tests.Infrastructure;
using Clearing.Messaging.Kafka;
using Clearing.ServiceDefaults.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Clearing.Hosting.Tests;

[Collection(HostsCollection.Name)]
public sealed class HostHealthTests(HostsFixture hosts)
{
    [Theory]
    [MemberData(nameof(HostCatalog.Names), MemberType = typeof(HostCatalog))]
    public async Task host_starts_with_embedded_defaults_and_reports_live_and_ready(string name)
    {
        using var http = hosts[name].CreateHttpClient();

        var live = await http.GetAsync("/health/live");
        var ready = await http.GetAsync("/health/ready");

        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        ready.StatusCode.ShouldBe(HttpStatusCode.OK, await ready.Content.ReadAsStringAsync());
        var checks = await CheckStatusesAsync(ready);
        checks.ShouldContainKeyAndValue("event-store", "Healthy");
        checks.ShouldContainKeyAndValue("kafka", "Healthy");
        checks.ShouldContainKeyAndValue("dapr", "Healthy");
    }

    [Theory]
    [MemberData(nameof(HostCatalog.Names), MemberType = typeof(HostCatalog))]
    public async Task ready_turns_503_naming_the_failing_check_while_live_stays_200(string name)
    {
        using var http = hosts[name].CreateHttpClient();
        var toggle = hosts.ToggleOf(name);
        toggle.Failing = true;
        try
        {
            var ready = await http.GetAsync("/health/ready");
            var live = await http.GetAsync("/health/live");

            ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            (await CheckStatusesAsync(ready)).ShouldContainKeyAndValue(ToggleHealthCheck.Name, "Unhealthy");
            live.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            toggle.Failing = false;
        }

        (await http.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(HostCatalog.Names), MemberType = typeof(HostCatalog))]
    public async Task metrics_endpoint_serves_prometheus_text_labelled_with_the_service(string name)
    {
        using var http = hosts[name].CreateHttpClient();
        await http.GetAsync("/health/live");

        var response = await http.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        body.ShouldContain("# TYPE ");
        body.ShouldContain($"service_name=\"{name}\"");
        body.ShouldContain("http_server_request_duration_seconds");
    }

    [Fact]
    public void each_host_has_its_own_name_and_default_ports()
    {
        foreach (var (name, grpcPort, httpPort) in HostCatalog.All)
        {
            var options = hosts[name].Services.GetRequiredService<IOptions<ClearingOptions>>().Value;
            options.ServiceName.ShouldBe(name);
            options.Grpc.Port.ShouldBe(grpcPort);
            options.Http.Port.ShouldBe(httpPort);
            hosts[name].Services.GetRequiredService<IOptions<KafkaOptions>>().Value.ServiceName.ShouldBe(name);
        }
    }

    [Fact]
    public void shutdown_budget_defaults_below_the_kubernetes_grace_period()
    {
        var host = hosts["margin"].Services.GetRequiredService<IOptions<HostOptions>>().Value;

        host.ShutdownTimeout.ShouldBe(TimeSpan.FromSeconds(25));
    }

    private static async Task<Dictionary<string, string>> CheckStatusesAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("checks").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("status").GetString()!);
    }
}
