using System.Text;
using System.Text.Json.Nodes;
using Clearing.Contracts.Liquidation.V1;
using Clearing.EventSourcing;
using Clearing.Liquidation.Application;
using Clearing.Liquidation.Domain.Process;
using Clearing.Liquidation.Integration;
using Proto = Clearing.Contracts.Orders.V1;
using StoredCompleted = Clearing.Liquidation.Domain.Process.LiquidationCompleted;
using StoredToVault = Clearing.Liquidation.Domain.Process.TransferredToVault;

namespace Clearing.Vault.Tests.Backstop;

/// <summary>The vault stage's stored and public shapes: old streams still read, and the public event carries what a booker needs.</summary>
public sealed class LiquidationContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static RecordedEvent Recorded(object @event, string stream = "liquidation-acct-1", long version = 7)
    {
        var data = LiquidationJsonContext.Serializer.Serialize(@event);
        return new RecordedEvent(stream, version, 100, data.EventId, data.Type, data.SchemaVersion, data.Data, data.Metadata, T0, null, null, default, default);
    }

    [Fact]
    public void a_completion_stored_before_the_vault_stage_existed_reads_as_nothing_taken_by_the_vault()
    {
        var data = LiquidationJsonContext.Serializer.Serialize(new StoredCompleted("acct-1", "acct-1:1", "BTC-PERP", 0.4m, 0.6m, 0m, 0m, 0m, 1m, true, T0, 0.2m));
        var json = JsonNode.Parse(data.Data.Span)!.AsObject();
        json.Remove("takenByVault").ShouldBeTrue();

        var read = (StoredCompleted)LiquidationJsonContext.Serializer.Deserialize(data.Type, Encoding.UTF8.GetBytes(json.ToJsonString()));

        read.TakenByVault.ShouldBe(0m);
        read.TakenByFund.ShouldBe(0.6m);
        data.Type.ShouldBe("liquidation.completed.v1");
    }

    [Fact]
    public void a_transfer_to_the_vault_is_published_with_what_a_booker_needs_side_size_prices_and_the_vaults_account()
    {
        var stored = new StoredToVault("acct-1", "acct-1:1", "BTC-PERP", "hlp", "vault-hlp", CloseSide.Sell, 0.5m, 45_000m, 44_000m, 500m, 0m, 9_500m, "within caps", T0);

        var message = new LiquidationOutboxTranslator().Translate(Recorded(stored))!;
        var published = LiquidationEvent.Parser.ParseFrom(message.Payload);

        message.Topic.ShouldBe(Clearing.Contracts.Topics.LiquidationEvents);
        message.Key.ShouldBe("acct-1");
        message.Type.ShouldBe("clearing.liquidation.transferredtovault.v1");
        published.EventCase.ShouldBe(LiquidationEvent.EventOneofCase.TransferredToVault);
        var t = published.TransferredToVault;
        (t.VaultId, t.VaultAccountId, t.Market, t.Side, t.Size, t.BankruptcyPrice, t.MarkPrice, t.LossTaken, t.MarketLossLeft, t.DailyLossLeft)
            .ShouldBe(("hlp", "vault-hlp", "BTC-PERP", Proto.Side.Sell, "0.5", "45000", "44000", "500", "0", "9500"));
        published.Sequence.ShouldBe(7);
        LiquidationJsonContext.Serializer.Deserialize(Recorded(stored)).ShouldBe(stored);
    }
}
