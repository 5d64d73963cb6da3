using Clearing.Contracts.Liquidation.V1;
using Clearing.EventSourcing;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Integration;
using static Clearing.Liquidation.Tests.Support.Given;
using DomainCompleted = Clearing.Liquidation.Domain.Process.LiquidationCompleted;

namespace Clearing.Liquidation.Tests.Domain;

/// <summary>
/// The case's end names how far into each book its fills go, so margin (which books those fills from matching's topic,
/// in no common order with liquidation's) judges the account after the case on the position they leave.
/// </summary>
public sealed class FillsThroughTests
{
    [Fact]
    public void the_last_completion_names_the_book_stream_and_sequence_of_the_cases_last_slice_fill_and_publishes_it()
    {
        var rules = Rules();
        var state = LiquidationAccount.Empty("acct-1");
        var start = LiquidationProcess.OnRisk(state, Risk(kind: RiskKind.Bankrupt, size: 1m, mark: 46_000m, bankruptcy: 45_000m, equity: -1m), rules, NoOpenInterest);
        state = Fold(state, start);
        var slice = start.OfType<SlicePlaced>().Single();
        slice.Quantity.ShouldBe(1m);

        state = Fold(state, LiquidationProcess.OnSliceFill(state, new SliceFillInput(slice.OrderId, "BTC-PERP", "f1", 0.4m, 45_500m, T0, new MessageSource("book-BTC-PERP", 41)), rules));
        var end = LiquidationProcess.OnSliceFill(state, new SliceFillInput(slice.OrderId, "BTC-PERP", "f2", 0.6m, 45_500m, T0, new MessageSource("book-BTC-PERP", 57)), rules);

        var completed = end.OfType<DomainCompleted>().Single();
        completed.Last.ShouldBeTrue();
        completed.FillsThrough.ShouldNotBeNull().ShouldBe(new Dictionary<string, long> { ["book-BTC-PERP"] = 57 });

        var data = LiquidationJsonContext.Serializer.Serialize(completed);
        var recorded = new RecordedEvent("liquidation-acct-1", 5, 5, data.EventId, data.Type, data.SchemaVersion, data.Data, data.Metadata, T0, null, null, default, default);
        LiquidationJsonContext.Serializer.Deserialize(recorded).ShouldBeOfType<DomainCompleted>().FillsThrough!["book-BTC-PERP"].ShouldBe(57);
        var published = LiquidationEvent.Parser.ParseFrom(new LiquidationOutboxTranslator().Translate(recorded)!.Payload).Completed;
        published.FillsThrough["book-BTC-PERP"].ShouldBe(57);
    }
}
