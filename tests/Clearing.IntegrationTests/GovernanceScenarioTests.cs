using System.Collections.Concurrent;
using System.Globalization;
using Clearing.Contracts;
using Clearing.Contracts.Governance.V1;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Oracle.V1;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Clearing.IntegrationTests;

/// <summary>
/// Governance during a live run, as operators would do it: `clearing up`, the crash scenario's traders through the
/// public doors, and a BTC-PERP maintenance raise proposed, approved and executed with `clearing gov` by the dev
/// keyring's governors (gov-1..3; the local genesis has 2-second timelocks). Margin must switch at exactly the
/// effective time: risk events triggered by BTC prices stamped before it use the genesis fractions, those at or after
/// it the raised ones, and the first BTC price at or after it moves the 15× longs out of the healthy band.
/// </summary>
public sealed class GovernanceScenarioTests(ITestOutputHelper output) : IDisposable
{
    // The raise: every BTC-PERP tier at the genesis' top tier, 20% initial / 12% maintenance (genesis: 2% / 1.2% on
    // the first 1M). The scenario's leveraged longs hold 8-15x their 5,000 of collateral: 12% of their notional is
    // more than (or close to) their equity, so each leaves the healthy band on the first price the raise applies to.
    private static readonly (decimal? UpTo, decimal Initial, decimal Maintenance)[] Genesis = [(1_000_000m, 0.02m, 0.012m), (5_000_000m, 0.05m, 0.03m), (20_000_000m, 0.1m, 0.06m), (null, 0.2m, 0.12m)];
    private static readonly (decimal? UpTo, decimal Initial, decimal Maintenance)[] Raised = [(1_000_000m, 0.2m, 0.12m), (5_000_000m, 0.2m, 0.12m), (20_000_000m, 0.2m, 0.12m), (null, 0.2m, 0.12m)];

    private readonly string _data = Path.Combine(Path.GetTempPath(), "clearing-gov-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task raising_btc_perp_maintenance_by_proposal_changes_account_health_at_exactly_the_effective_time()
    {
        var basePort = ClearingCli.FreeBasePort(9);
        var server = $"http://127.0.0.1:{basePort + 7}";
        var keyring = Path.Combine(_data, "dev-keyring.json");
        await using var up = ClearingCli.Start("up", "--data", _data, "--base-port", Port(basePort), "--ready-timeout", "200", "--quiet");
        await up.WaitForLineAsync(l => l.StartsWith("clearing up: ready (9 services)", StringComparison.Ordinal), TimeSpan.FromMinutes(4));
        File.Exists(Path.Combine(_data, "genesis.local.json")).ShouldBeTrue("clearing up writes the local genesis from its keyring");
        var bootstrap = (await File.ReadAllTextAsync(Path.Combine(_data, "kafka.bootstrap"))).Trim();
        using var stopObserving = new CancellationTokenSource();
        var seen = new ConcurrentQueue<(string Topic, byte[] Payload)>();
        var observer = Task.Run(() => Observe(bootstrap, seen, stopObserving.Token), CancellationToken.None);

        // The scenario's leveraged longs open in its first ~10 s; the slide starts ~22 s after launch.
        var launched = DateTimeOffset.UtcNow;
        await using var simulate = ClearingCli.Start("simulate", "--data", _data, "--scenario", "crash", "--duration", "45", "--json");
        var effective = new DateTimeOffset(launched.AddSeconds(21).Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var proposal = Path.Combine(_data, "raise-btc-perp-mm.json");
        await File.WriteAllTextAsync(proposal, ProposalJson("raise-btc-perp-mm", effective));

        (await GovAsync("propose", proposal, "--server", server, "--key", keyring, "--governor", "gov-1")).ShouldBe(0);
        (await GovAsync("approve", "raise-btc-perp-mm", "--server", server, "--key", keyring, "--governor", "gov-2")).ShouldBe(0);
        var executed = false;
        for (var attempt = 0; attempt < 10 && !executed; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            executed = await GovAsync("execute", "raise-btc-perp-mm", "--server", server, "--key", keyring, "--governor", "gov-3") == 0;
        }

        executed.ShouldBeTrue("the proposal could not be executed after its 2-second timelock");
        DateTimeOffset.UtcNow.ShouldBeLessThan(effective, "the governance commands took longer than the lead the scenario allows");
        var simulateExit = await simulate.WaitForExitAsync(TimeSpan.FromMinutes(4));
        output.WriteLine($"simulate exited {simulateExit}");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopObserving.CancelAsync();
        await observer;
        (await up.TerminateAsync(TimeSpan.FromSeconds(90))).ShouldBe(0);

        var parameters = seen.Where(m => m.Topic == Topics.GovernanceParams).Select(m => ParamsChanged.Parser.ParseFrom(m.Payload)).ToList();
        var raise = parameters.Single(p => p.SetId == "market-BTC-PERP" && p.Version == 1);
        raise.ProposalId.ShouldBe("raise-btc-perp-mm");
        raise.EffectiveAtUnixNanos.ShouldBe((effective - DateTimeOffset.UnixEpoch).Ticks * 100);
        var priceTimes = seen.Where(m => m.Topic == Topics.OraclePrices).Select(m => PriceUpdate.Parser.ParseFrom(m.Payload)).Where(p => p.Asset == "BTC")
            .GroupBy(p => p.Sequence).ToDictionary(g => g.Key, g => DateTimeOffset.UnixEpoch.AddTicks(g.First().TimeUnixNanos / 100));
        var firstAfter = priceTimes.Where(p => p.Value >= effective).Min(p => p.Key);
        var risk = seen.Where(m => m.Topic == Topics.MarginRisk).Select(m => RiskEvent.Parser.ParseFrom(m.Payload))
            .Where(e => e.Risk.TriggerAsset == "BTC" && e.Risk.Positions.Any(p => p.Market == "BTC-PERP"))
            .DistinctBy(e => (e.AccountId, e.Sequence))
            .ToList();
        output.WriteLine($"effective {effective:O}; first BTC price at or after it: #{firstAfter} at {priceTimes[firstAfter]:O}; {risk.Count} BTC-triggered risk events");
        foreach (var e in risk.Take(40))
        {
            var line = e.Risk.Positions.First(p => p.Market == "BTC-PERP");
            output.WriteLine($"  {e.AccountId}#{e.Sequence} {e.EventCase} price #{e.Risk.TriggerPriceSequence} ({priceTimes.GetValueOrDefault(e.Risk.TriggerPriceSequence):O}) size {line.Size} mark {line.MarkPrice} maintenance {line.MaintenanceRequirement}");
        }

        risk.ShouldNotBeEmpty();
        foreach (var e in risk.Where(e => priceTimes.ContainsKey(e.Risk.TriggerPriceSequence)))
        {
            var after = priceTimes[e.Risk.TriggerPriceSequence] >= effective;
            foreach (var line in e.Risk.Positions.Where(p => p.Market == "BTC-PERP"))
            {
                var notional = Math.Abs(decimal.Parse(line.Size, CultureInfo.InvariantCulture) * decimal.Parse(line.MarkPrice, CultureInfo.InvariantCulture));
                var stated = decimal.Parse(line.MaintenanceRequirement, CultureInfo.InvariantCulture);
                var expected = Maintenance(after ? Raised : Genesis, notional);
                Math.Abs(stated - expected).ShouldBeLessThanOrEqualTo(0.000001m,
                    $"{e.AccountId}#{e.Sequence} on BTC price #{e.Risk.TriggerPriceSequence} ({(after ? "at/after" : "before")} the effective time) states maintenance {stated} for notional {notional}; the {(after ? "raised" : "genesis")} tiers give {expected}");
            }
        }

        var atTheSwitch = risk.Where(e => e.Risk.TriggerPriceSequence == firstAfter && e.EventCase == RiskEvent.EventOneofCase.HealthChanged).ToList();
        atTheSwitch.ShouldNotBeEmpty($"no account changed health on BTC price #{firstAfter}, the first at or after the effective time");
        atTheSwitch.ShouldAllBe(e => e.HealthChanged.From == HealthBand.Healthy && e.HealthChanged.To != HealthBand.Healthy);
        risk.Where(e => e.EventCase == RiskEvent.EventOneofCase.HealthChanged && priceTimes.ContainsKey(e.Risk.TriggerPriceSequence) && priceTimes[e.Risk.TriggerPriceSequence] < effective)
            .ShouldBeEmpty("the calm before the effective time moves no account's band");
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private async Task<int> GovAsync(params string[] arguments)
    {
        await using var gov = ClearingCli.Start(["gov", .. arguments]);
        var exit = await gov.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"clearing gov {arguments[0]} {arguments[1]} → {exit}\n  " + string.Join("\n  ", gov.Lines.TakeLast(12)));
        return exit;
    }

    private static void Observe(string bootstrap, ConcurrentQueue<(string Topic, byte[] Payload)> seen, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "governance-scenario-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Subscribe([Topics.GovernanceParams, Topics.OraclePrices, Topics.MarginRisk]);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: not null } record)
            {
                seen.Enqueue((record.Topic, record.Message.Value));
            }
        }

        consumer.Close();
    }

    /// <summary>Each slice of notional at its tier's fraction (margin's MarginSchedule), rounded up to the quote's 6 decimals.</summary>
    private static decimal Maintenance((decimal? UpTo, decimal Initial, decimal Maintenance)[] tiers, decimal notional)
    {
        var (total, lower) = (0m, 0m);
        foreach (var tier in tiers)
        {
            if (notional <= lower)
            {
                break;
            }

            var upper = tier.UpTo is { } cap ? Math.Min(cap, notional) : notional;
            total += (upper - lower) * tier.Maintenance;
            lower = upper;
        }

        return Math.Round(total, 6, MidpointRounding.ToPositiveInfinity);
    }

    private static string ProposalJson(string id, DateTimeOffset effective)
    {
        var tiers = string.Join(",", Raised.Select(t =>
            $$"""{"upToNotional":{{(t.UpTo is { } u ? u.ToString(CultureInfo.InvariantCulture) : "null")}},"initialMarginFraction":{{t.Initial.ToString(CultureInfo.InvariantCulture)}},"maintenanceMarginFraction":{{t.Maintenance.ToString(CultureInfo.InvariantCulture)}}}"""));
        return $$"""
            {
              "id": "{{id}}",
              "kind": "standard",
              "description": "Raise BTC-PERP margin to 20% initial / 12% maintenance on every tier",
              "effectiveAt": "{{effective.ToString("O", CultureInfo.InvariantCulture)}}",
              "changes": [
                { "parameters": { "kind": "market", "market": "BTC-PERP", "marginTiers": [{{tiers}}],
                  "priceBandFraction": 0.05, "makerFee": 0.0001, "takerFee": 0.0005,
                  "fundingCapPerInterval": 0.006, "fundingIntervalSeconds": 3600, "halted": false } }
              ]
            }
            """;
    }

    private static string Port(int value) => value.ToString(CultureInfo.InvariantCulture);
}
