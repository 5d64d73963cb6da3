using Clearing.EventSourcing;
using Clearing.Messaging.Kafka.Embedded;
using Clearing.Messaging.Kafka.Hosting;
using Clearing.Messaging.Kafka.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Clearing.Messaging.Tests.Outbox;

public sealed class OutboxHostingTests(ITestOutputHelper output)
{
    private const string Topic = "test.outbox.hosted";

    [Fact]
    public async Task a_service_that_adds_an_outbox_relay_publishes_its_store_from_the_host()
    {
        await using var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions { Topics = [Topic], BrokerCount = 1 });
        await using var temp = new TempStore();
        await OutboxTestSupport.AppendAsync(temp.Store, 40);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = broker.BootstrapServers,
            ["Kafka:ServiceName"] = "ledger",
        }).Build();
        var services = new ServiceCollection()
            .AddLogging(b => b.AddProvider(new TestOutputLoggerProvider(output)))
            .AddSingleton<IEventStore>(temp.Store)
            .AddSingleton(new CreditTranslator(Topic))
            .AddClearingKafka(configuration)
            .AddOutboxRelay<CreditTranslator>(OutboxTestSupport.Options("hosted"));
        await using var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        var relay = hosted.OfType<OutboxRelayService>().Single();
        relay.Name.ShouldBe("hosted");

        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        await OutboxTestSupport.WaitUntilAsync(() => Task.FromResult(relay.Current?.Checkpoint == 40), "the hosted relay confirmed the store");
        foreach (var service in Enumerable.Reverse(hosted))
        {
            await service.StopAsync(CancellationToken.None);
        }

        (await temp.Store.Checkpoints.LoadAsync("outbox-hosted")).ShouldBe(40);
        OutboxTestSupport.ReadTopic(broker.BootstrapServers, Topic, expected: 30).Count.ShouldBe(30);
    }
}
