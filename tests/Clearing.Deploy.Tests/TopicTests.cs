using Clearing.Contracts;
using Clearing.Deploy.Tests.Support;
using k8s.Models;

namespace Clearing.Deploy.Tests;

/// <summary>Topic names live once in Topics.cs and once in the chart's values (DESIGN.md §3); these keep them equal.</summary>
public sealed class TopicTests
{
    [Fact]
    public void the_chart_values_name_exactly_the_topics_of_the_contracts()
    {
        var values = Yaml.Document(Repository.Read("deploy/helm/clearing/values.yaml"));
        var names = values["kafka"]!["topics"]!.AsObject().Select(t => (string)t.Value!["name"]!).Order(StringComparer.Ordinal);

        names.ShouldBe(Topics.All.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void every_contract_topic_is_a_strimzi_kafka_topic_with_partitions_replicas_and_retention()
    {
        var topics = Helm.Load().OfType<KafkaTopic>().ToDictionary(t => t.Spec.TopicName!);

        topics.Keys.Order(StringComparer.Ordinal).ShouldBe(Topics.All.Order(StringComparer.Ordinal));
        foreach (var topic in topics.Values)
        {
            topic.Metadata.Name.ShouldBe(topic.Spec.TopicName);
            topic.Metadata.Labels["strimzi.io/cluster"].ShouldBe("clearing-kafka");
            topic.Spec.Partitions.ShouldBeGreaterThan(0);
            topic.Spec.Replicas.ShouldBe(3);
            topic.Spec.Config.ShouldContainKey("retention.ms");
            topic.Spec.Config["min.insync.replicas"].ShouldBe("2");
        }

        topics[Topics.GovernanceParams].Spec.Partitions.ShouldBe(1);
        topics[Topics.GovernanceParams].Spec.Config["retention.ms"].ShouldBe("-1");
    }

    [Fact]
    public void the_dev_topics_job_creates_every_contract_topic_with_one_replica()
    {
        var job = Helm.LoadWith("dev").Single<V1Job>("clearing-kafka-topics");
        var script = job.Spec.Template.Spec.Containers.Single().Args.Single();

        foreach (var topic in Topics.All)
        {
            script.ShouldContain($"--topic {topic} ");
        }

        script.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("--create", StringComparison.Ordinal))
            .ShouldAllBe(l => l.Contains("--replication-factor 1 ", StringComparison.Ordinal) && l.Contains("--if-not-exists", StringComparison.Ordinal));
        job.Metadata.Annotations["helm.sh/hook"].ShouldBe("pre-install,pre-upgrade");
    }

    [Fact]
    public void each_service_user_may_write_what_it_produces_and_the_dead_letter_topic_and_read_only_what_it_consumes()
    {
        var users = Helm.Load().OfType<KafkaUser>().ToDictionary(u => u.Metadata.Name);

        var margin = users["clearing-margin"].Spec.Authorization!.Acls;
        Writes(margin).ShouldBe([Topics.DeadLetters, Topics.MarginRisk, Topics.MarginLedger], ignoreOrder: true);
        Reads(margin).ShouldContain(Topics.MatchingEvents);
        Reads(margin).ShouldNotContain(Topics.OrderCommands);

        var gateway = users["clearing-order-gateway"].Spec.Authorization!.Acls;
        Writes(gateway).ShouldBe([Topics.DeadLetters, Topics.OrderCommands], ignoreOrder: true);

        foreach (var user in users.Values.Where(u => u.Metadata.Name != "clearing-dapr"))
        {
            var service = user.Metadata.Labels["app.kubernetes.io/name"];
            user.Spec.Authentication.Type.ShouldBe("scram-sha-512");
            var acls = user.Spec.Authorization!.Acls;
            acls.ShouldContain(a => a.Resource.Type == "group" && a.Resource.Name == service && a.Resource.PatternType == "prefix");
            acls.ShouldContain(a => a.Resource.Type == "transactionalId" && a.Resource.Name == service + "-" && a.Resource.PatternType == "prefix");
            acls.Where(a => a.Resource.Type == "topic").ShouldAllBe(a => Topics.All.Contains(a.Resource.Name!));
        }
    }

    [Fact]
    public void each_service_user_writes_exactly_the_topics_its_code_produces_and_reads_exactly_the_topics_its_code_consumes()
    {
        var users = Helm.Load().OfType<KafkaUser>().Where(u => u.Metadata.Name != "clearing-dapr").ToList();

        users.Select(u => u.Metadata.Labels["app.kubernetes.io/name"]).Order(StringComparer.Ordinal).ShouldBe(
            ["funding", "governance", "liquidation", "margin", "matching", "oracle-ingest", "order-gateway", "settlement", "vault"]);
        foreach (var user in users)
        {
            var service = user.Metadata.Labels["app.kubernetes.io/name"];
            var code = ServiceTopics.Of(service);
            var acls = user.Spec.Authorization!.Acls;

            code.Writes.ShouldNotBeEmpty($"{service}: no produced topic found in services/{service}; the scan no longer recognises how it publishes");
            Writes(acls).Order(StringComparer.Ordinal).ShouldBe(code.Writes.Append(Topics.DeadLetters).Distinct().Order(StringComparer.Ordinal),
                $"services.{service}.produces in values.yaml must list what services/{service} writes");
            Reads(acls).Order(StringComparer.Ordinal).ShouldBe(code.Reads.Order(StringComparer.Ordinal),
                $"services.{service}.consumes in values.yaml must list what services/{service} reads");
            code.Referenced.Except(code.Writes).Except(code.Reads).Except([Topics.DeadLetters]).ShouldBeEmpty(
                $"services/{service} names these topics somewhere the scan cannot tell as a write or a read: teach Support/ServiceTopics.cs the new pattern");
        }
    }

    [Fact]
    public void every_consumer_group_a_service_names_itself_lies_under_its_users_group_prefix()
    {
        var users = Helm.Load().OfType<KafkaUser>().Where(u => u.Metadata.Name != "clearing-dapr");

        foreach (var user in users)
        {
            var service = user.Metadata.Labels["app.kubernetes.io/name"];
            var prefix = user.Spec.Authorization!.Acls.Single(a => a.Resource.Type == "group" && a.Resource.PatternType == "prefix").Resource.Name!;
            prefix.ShouldBe(service);
            ServiceTopics.Of(service).GroupIds.ShouldAllBe(g => g.StartsWith(prefix + "-", StringComparison.Ordinal), $"{service} names a consumer group outside its ACL prefix");
        }

        ServiceTopics.Of("vault").GroupIds.ShouldBe(["vault-prices-"]);
        ServiceTopics.Of("order-gateway").GroupIds.ShouldBe(["order-gateway-views-"]);
    }

    [Fact]
    public void the_vault_writes_its_events_and_margin_reads_them_while_liquidation_no_longer_claims_them()
    {
        var users = Helm.Load().OfType<KafkaUser>().ToDictionary(u => u.Metadata.Name);

        var vault = users["clearing-vault"].Spec.Authorization!.Acls;
        Writes(vault).ShouldBe([Topics.DeadLetters, Topics.VaultEvents], ignoreOrder: true);
        Reads(vault).ShouldBe([Topics.OraclePrices, Topics.MatchingEvents, Topics.MarginLedger, Topics.LiquidationEvents, Topics.SettlementEvents, Topics.GovernanceParams], ignoreOrder: true);
        Reads(vault).ShouldNotContain(Topics.OrderCommands, "the vault's quotes go through the gateway's gRPC API");
        Writes(vault).ShouldNotContain(Topics.OrderCommands, "the vault's quotes go through the gateway's gRPC API");
        vault.ShouldContain(a => a.Resource.Type == "group" && a.Resource.Name == "vault" && a.Resource.PatternType == "prefix");

        Reads(users["clearing-margin"].Spec.Authorization!.Acls).ShouldContain(Topics.VaultEvents);
        Writes(users["clearing-liquidation"].Spec.Authorization!.Acls).ShouldNotContain(Topics.VaultEvents);
        users.Values.Where(u => u.Metadata.Name is not ("clearing-vault" or "clearing-dapr"))
            .ShouldAllBe(u => !u.Spec.Authorization!.Acls.Any(a => a.Resource.Name == Topics.VaultEvents && a.Operations.Contains("Write")));
    }

    [Fact]
    public void the_code_scan_finds_the_vaults_inputs_and_output()
    {
        var vault = ServiceTopics.Of("vault");

        vault.Writes.ShouldBe([Topics.VaultEvents]);
        vault.Reads.ShouldBe([Topics.OraclePrices, Topics.MatchingEvents, Topics.MarginLedger, Topics.LiquidationEvents, Topics.SettlementEvents, Topics.GovernanceParams], ignoreOrder: true);
        ServiceTopics.Of("margin").Reads.ShouldContain(Topics.VaultEvents);
        ServiceTopics.Of("matching").Reads.ShouldContain(Topics.MatchingEvents, "matching reads its own events back to find the published sequences");
    }

    [Fact]
    public void the_gateway_may_describe_exactly_the_groups_its_backpressure_watches_and_join_none_of_them()
    {
        var source = File.ReadAllText(Repository.Path("services/order-gateway/Clearing.OrderGateway/Application/GatewayBackpressure.cs"));
        var watched = System.Text.RegularExpressions.Regex.Matches(source, @"\[""([a-z0-9-]+)""\] = Topics\.").Select(m => m.Groups[1].Value).ToList();
        watched.ShouldContain("margin-fills");

        var acls = Helm.Load().Single<KafkaUser>("clearing-order-gateway").Spec.Authorization!.Acls;
        var described = acls.Where(a => a.Resource.Type == "group" && a.Resource.PatternType == "literal").ToList();

        described.Select(a => a.Resource.Name).ShouldBe(watched, ignoreOrder: true);
        described.ShouldAllBe(a => a.Operations.SequenceEqual(new[] { "Describe" }));
    }

    [Fact]
    public void the_dapr_user_reads_only_groups_prefixed_dapr_so_it_never_joins_a_service_group()
    {
        var dapr = Helm.Load().Single<KafkaUser>("clearing-dapr");

        dapr.Spec.Authorization!.Acls.Where(a => a.Resource.Type == "group").ShouldHaveSingleItem().Resource.Name.ShouldBe("dapr-");
    }

    private static IEnumerable<string> Writes(IEnumerable<KafkaAcl> acls) =>
        acls.Where(a => a.Resource.Type == "topic" && a.Operations.Contains("Write")).Select(a => a.Resource.Name!);

    private static IEnumerable<string> Reads(IEnumerable<KafkaAcl> acls) =>
        acls.Where(a => a.Resource.Type == "topic" && a.Operations.Contains("Read")).Select(a => a.Resource.Name!);
}
