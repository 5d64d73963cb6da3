using System.Diagnostics;
using Clearing.Contracts;
using Clearing.Messaging.Kafka;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Producing;
using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests;

/// <summary>The embedded broker as other processes see it: kcat, a separate `clearing broker` process, fault switches.</summary>
public sealed class EmbeddedBrokerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task kcat_lists_every_public_topic_of_the_embedded_broker()
    {
        await using var broker = EmbeddedKafkaBroker.Start();

        var (exitCode, stdout, stderr) = await Run(Kcat(), $"-b {broker.BootstrapServers} -L -m 10");

        exitCode.ShouldBe(0, stderr);
        stdout.ShouldContain($"{broker.BrokerCount} brokers:");
        foreach (var topic in Topics.All)
        {
            stdout.ShouldContain($"topic \"{topic}\" with 4 partitions:");
        }
    }

    [Fact]
    public async Task clearing_broker_process_writes_its_bootstrap_file_serves_clients_and_stops_on_sigterm()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("clearing-broker-test-");
        var bootstrapFile = Path.Combine(dataDirectory.FullName, "kafka.bootstrap");
        using var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { ClearingDll(), "broker", "--data", dataDirectory.FullName, "--partitions", "2" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            await TestSupport.WaitUntil(() => File.Exists(bootstrapFile) || process.HasExited, "the broker writes its bootstrap file");
            process.HasExited.ShouldBeFalse();
            var bootstrap = EmbeddedKafkaBroker.ReadBootstrapFile(bootstrapFile);
            output.WriteLine($"clearing broker at {bootstrap}");

            var options = new KafkaOptions { EmbeddedBootstrapFile = bootstrapFile, ServiceName = "broker-test" };
            await using var connection = KafkaConnection.Create(options);
            connection.Mode.ShouldBe(KafkaBrokerMode.EmbeddedFile);
            connection.BootstrapServers.ShouldBe(bootstrap);
            using var publisher = new KafkaPublisher(connection, Options.Create(options), TimeProvider.System, NullLogger<KafkaPublisher>.Instance);
            var delivered = await publisher.PublishAsync(TestSupport.Event(Topics.MarginRisk, "acct-9", 1, 1));
            delivered.Status.ShouldBe(PersistenceStatus.Persisted);

            using var admin = new DependentAdminClientBuilder(publisher.Handle).Build();
            admin.GetMetadata(Topics.MarginRisk, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Count.ShouldBe(2);
        }
        finally
        {
            if (!process.HasExited)
            {
                Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
            }
        }

        (await WaitForExit(process)).ShouldBe(0);
        var printed = await stdout;
        printed.ShouldContain("bootstrap servers: 127.0.0.1:");
        printed.ShouldContain("Stopping the embedded Kafka broker.");
        File.Exists(bootstrapFile).ShouldBeFalse("a stopped broker removes its bootstrap file");
        dataDirectory.Delete(recursive: true);
    }

    [Fact]
    public async Task health_check_fails_while_the_brokers_are_down_and_recovers_when_they_are_up()
    {
        await using var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { BrokerCount = 1 });
        var options = new KafkaOptions { BootstrapServers = broker.BootstrapServers, HealthCheckTimeout = TimeSpan.FromMilliseconds(500) };
        var connection = KafkaConnection.ForBootstrap(broker.BootstrapServers, KafkaBrokerMode.EmbeddedInProcess);
        using var publisher = new KafkaPublisher(connection, Options.Create(options), TimeProvider.System, NullLogger<KafkaPublisher>.Instance);
        var check = new KafkaHealthCheck(publisher, connection, Options.Create(options));
        var context = new HealthCheckContext();

        (await check.CheckHealthAsync(context)).Status.ShouldBe(HealthStatus.Healthy);

        broker.SetBrokerDown(1);
        var watch = Stopwatch.StartNew();
        var down = await check.CheckHealthAsync(context);
        watch.Stop();
        down.Status.ShouldBe(HealthStatus.Unhealthy);
        down.Description!.ShouldContain("metadata request failed");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3), "the check must answer within its short timeout");

        broker.SetBrokerUp(1);
        await TestSupport.WaitUntil(
            () => check.CheckHealthAsync(context).GetAwaiter().GetResult().Status == HealthStatus.Healthy,
            "the check reports healthy again");
    }

    [Fact]
    public async Task broker_rejects_unknown_broker_ids_and_calls_after_disposal()
    {
        var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { BrokerCount = 2, Topics = [] });
        Should.Throw<ArgumentOutOfRangeException>(() => broker.SetBrokerDown(3)).Message.ShouldContain("Broker ids run from 1 to 2");
        await broker.DisposeAsync();
        Should.Throw<ObjectDisposedException>(() => broker.CreateTopic("late", 1));
    }

    private static string Kcat()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "kcat"))
            .FirstOrDefault(File.Exists);
        return path ?? throw new InvalidOperationException(
            "kcat is not installed: this test runs `kcat -b <bootstrap> -L` against the embedded broker. " +
            "Install it (apt-get install -y kcat) or run the suite through tests/run.sh, which does.");
    }

    /// <summary>clearing.dll of the same build configuration (the test project builds the CLI first).</summary>
    private static string ClearingDll()
    {
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = baseDirectory.Parent!.Name;
        var root = baseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Clearing.sln")))
        {
            root = root.Parent;
        }

        root.ShouldNotBeNull("the tests run from inside the repository");
        var dll = Path.Combine(root.FullName, "services", "cli", "Clearing.Cli", "bin", configuration, "net10.0", "clearing.dll");
        File.Exists(dll).ShouldBeTrue($"{dll} is built alongside the tests");
        return dll;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        return (await WaitForExit(process), await stdout, await stderr);
    }

    private static async Task<int> WaitForExit(Process process)
    {
        using var timeout = new CancellationTokenSource(TestSupport.Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{process.StartInfo.FileName} did not exit within {TestSupport.Patience}.");
        }

        return process.ExitCode;
    }
}
