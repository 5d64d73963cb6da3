using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Clearing.Deploy.Tests.Support;
using k8s.Models;

namespace Clearing.Deploy.Tests;

/// <summary>The Grafana dashboard, the alerts and the scrape configuration.</summary>
public sealed partial class ObservabilityTests
{
    private static readonly string[] Alerts =
    [
        "ClearingConsumerLagHigh", "ClearingDeadLettersGrowing", "ClearingOracleStale",
        "ClearingCircuitBreakerTripped", "ClearingInsuranceFundDrawdown", "ClearingUncoveredBankruptcy",
    ];

    [Fact]
    public void the_dashboard_ships_as_a_configmap_labelled_for_the_grafana_sidecar()
    {
        var map = Helm.Load().Single<V1ConfigMap>("clearing-dashboard");

        map.Metadata.Labels["grafana_dashboard"].ShouldBe("1");
        var dashboard = JsonNode.Parse(map.Data["clearing-overview.json"])!;
        dashboard["uid"]!.GetValue<string>().ShouldBe("clearing-overview");
    }

    [Fact]
    public void the_dashboard_covers_what_operators_watch()
    {
        var titles = Panels().Select(p => (string)p["title"]!).ToList();

        foreach (var expected in new[]
        {
            "Order rate", "Fill latency (order accepted to fill)", "Consumer lag per topic", "Dead letters (growth per 5 min)",
            "Oracle staleness", "Accounts at risk", "Liquidations (per 5 min)", "Insurance fund balance",
        })
        {
            titles.ShouldContain(expected);
        }

        Panels().Where(p => (string)p["type"]! != "row").ShouldAllBe(p => p["targets"]!.AsArray().Count > 0);
    }

    [Fact]
    public void the_alerts_cover_lag_dead_letters_stale_oracle_circuit_breakers_and_the_insurance_fund()
    {
        var rule = Helm.Load("--set", "metrics.prometheusRule.enabled=true").Single<PrometheusRule>("clearing");

        var alerts = rule.Spec.Groups.SelectMany(g => g.Rules).ToList();
        alerts.Select(a => a.Alert).ShouldBe(Alerts, ignoreOrder: true);
        alerts.ShouldAllBe(a => a.Labels!.ContainsKey("severity") && a.Annotations!.ContainsKey("summary"));
        alerts.Single(a => a.Alert == "ClearingDeadLettersGrowing").Expr.ShouldContain("topic=\"clearing.dlq.v1\"");
    }

    [Fact]
    public void the_dashboard_and_alerts_read_only_metrics_the_metrics_contract_declares()
    {
        var declared = Yaml.Document(Repository.Read("deploy/helm/clearing/files/metrics.yaml"))["metrics"]!.AsArray()
            .Select(m => (string)m!["name"]!).ToHashSet(StringComparer.Ordinal);
        var expressions = Panels().SelectMany(p => p["targets"]?.AsArray() ?? []).Select(t => (string)t!["expr"]!)
            .Concat(Helm.Load("--set", "metrics.prometheusRule.enabled=true").Single<PrometheusRule>("clearing").Spec.Groups.SelectMany(g => g.Rules).Select(r => r.Expr))
            .ToList();

        var used = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .Select(m => Regex.Replace(m, "_(bucket|sum|count)$", ""))
            .ToHashSet(StringComparer.Ordinal);

        used.ShouldNotBeEmpty();
        used.Where(m => !declared.Contains(m)).ShouldBeEmpty("every metric the dashboard or alerts read is listed in files/metrics.yaml");
        declared.Where(m => !used.Contains(m)).ShouldBeEmpty("every declared metric is shown or alerted on");
    }

    [Fact]
    public void the_service_monitor_scrapes_the_http_port_of_this_releases_services()
    {
        var monitor = Helm.Load("--set", "metrics.serviceMonitor.enabled=true").Single<ServiceMonitor>("clearing");

        monitor.Spec.Selector.MatchLabels["app.kubernetes.io/instance"].ShouldBe("clearing");
        monitor.Spec.Selector.MatchLabels["app.kubernetes.io/component"].ShouldBe("service");
        var endpoint = monitor.Spec.Endpoints.ShouldHaveSingleItem();
        (endpoint.Port, endpoint.Path).ShouldBe(("http", "/metrics"));
        Helm.Load().OfType<V1Service>().Where(s => s.Metadata.Labels.TryGetValue("app.kubernetes.io/component", out var c) && c == "service")
            .ShouldAllBe(s => s.Spec.Ports.Any(p => p.Name == "http"));
    }

    private static IEnumerable<JsonNode> Panels() =>
        JsonNode.Parse(Repository.Read("deploy/helm/clearing/files/grafana/clearing-overview.json"))!["panels"]!.AsArray().Select(p => p!);

    [GeneratedRegex(@"\b(clearing|kafka|resilience)_[a-z_]+\b")]
    private static partial Regex MetricName();
}
