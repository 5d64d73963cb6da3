using Clearing.Contracts;
using Clearing.Dapr.Hosting;
using Clearing.Dapr.PubSub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Dapr.Tests.PubSub;

/// <summary>The embedded pub/sub (Dapr:Enabled=false): local delivery with daprd's retry and dead-letter rules.</summary>
public sealed class InProcessPubSubTests : IDisposable
{
    private readonly ServiceProvider _services;

    public InProcessPubSubTests()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Dapr:DataDirectory"] = Path.Combine(Path.GetTempPath(), "clearing-dapr-tests", Guid.NewGuid().ToString("N")),
            })
            .Build();
        var services = new ServiceCollection();
        services.AddClearingDapr(configuration);
        services.AddSingleton<EventSink>();
        services.AddTopicSubscription<ScriptedHandler>(Topics.MarginRisk);
        services.AddTopicSubscription<DeadLetterHandler>(Topics.DeadLetters);
        _services = services.BuildServiceProvider();
    }

    private EventSink Sink => _services.GetRequiredService<EventSink>();

    private IPubSubPublisher Publisher => _services.GetRequiredService<IPubSubPublisher>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task with_dapr_disabled_an_event_reaches_the_local_subscriber_with_its_cloudevent_attributes()
    {
        Publisher.ShouldBeOfType<InProcessPubSub>();

        await Publisher.PublishAsync(Topics.MarginRisk, SampleEvents.RiskChanged());

        var received = Sink.Handled.ShouldHaveSingleItem();
        received.Id.ShouldBe("evt-1");
        received.Topic.ShouldBe(Topics.MarginRisk);
        received.PubSubName.ShouldBe("pubsub");
        received.Subject.ShouldBe("account-42");
        received.CorrelationId.ShouldBe("corr-7");
        received.CausationId.ShouldBe("fill-99");
        received.Data.ToArray().ShouldBe(SampleEvents.RiskChanged().Data.ToArray());
    }

    [Fact]
    public async Task a_handler_that_keeps_failing_is_retried_then_the_event_goes_to_the_dead_letter_subscriber()
    {
        await Publisher.PublishAsync(Topics.MarginRisk, SampleEvents.RiskChanged("evt-poison", "clearing.margin.risk-changed.fail"));

        Sink.Attempts["evt-poison"].ShouldBe(InProcessPubSub.MaxDeliveryAttempts);
        Sink.Handled.ShouldBeEmpty();
        var dead = Sink.DeadLettered.ShouldHaveSingleItem();
        dead.Id.ShouldBe("evt-poison");
        dead.Topic.ShouldBe(Topics.DeadLetters);
    }

    [Fact]
    public async Task a_dropped_event_is_neither_retried_nor_dead_lettered()
    {
        await Publisher.PublishAsync(Topics.MarginRisk, SampleEvents.RiskChanged("evt-drop", "clearing.margin.risk-changed.drop"));

        Sink.Attempts["evt-drop"].ShouldBe(1);
        Sink.DeadLettered.ShouldBeEmpty();
    }

    [Fact]
    public async Task an_event_of_a_topic_nobody_here_subscribes_to_reaches_no_handler()
    {
        await Publisher.PublishAsync(Topics.FundingEvents, SampleEvents.RiskChanged("evt-funding"));

        Sink.Attempts.ContainsKey("evt-funding").ShouldBeFalse();
        Sink.Handled.ShouldBeEmpty();
    }
}
