using Clearing.Margin.Integration;
using Clearing.Contracts.Oracle.V1;

namespace Clearing.Margin.Tests.Host;

public class OraclePriceGatewayTests
{
    private static PriceUpdate Update(long sequence, PriceStatus status, string index) => new()
    {
        Asset = "BTC",
        Sequence = sequence,
        TimeUnixNanos = ContractText.UnixNanos(MarginHostHarness.T0.AddSeconds(sequence)),
        Status = status,
        IndexPrice = index,
    };

    [Fact]
    public async Task a_stale_update_without_an_index_before_the_oracles_first_quorum_is_skipped_not_dead_lettered()
    {
        await using var host = new MarginHostHarness();
        var revalued = host.Book.RevaluedAccounts;

        await host.PricesIn.HandleAsync(MarginHostHarness.Message(Update(1, PriceStatus.Stale, ""), "oracle-BTC", 1), CancellationToken.None);

        host.Book.Prices.Current.Assets.ContainsKey("BTC").ShouldBeFalse();
        host.Book.RevaluedAccounts.ShouldBe(revalued);
    }

    [Fact]
    public async Task a_stale_update_without_an_index_after_a_good_one_marks_the_last_good_index_stale()
    {
        await using var host = new MarginHostHarness();
        await host.PriceAsync(1, 60_000m);

        await host.PricesIn.HandleAsync(MarginHostHarness.Message(Update(2, PriceStatus.Stale, ""), "oracle-BTC", 2), CancellationToken.None);

        var btc = host.Book.Prices.Current.Assets["BTC"];
        btc.Index.ShouldBe(60_000m);
        btc.Stale.ShouldBeTrue();
        btc.Sequence.ShouldBe(2);
    }

    [Fact]
    public async Task an_ok_update_without_an_index_is_a_malformed_message_naming_the_field()
    {
        await using var host = new MarginHostHarness();

        var error = await Should.ThrowAsync<FormatException>(() => host.PricesIn.HandleAsync(MarginHostHarness.Message(Update(1, PriceStatus.Ok, ""), "oracle-BTC", 1), CancellationToken.None));

        error.Message.ShouldContain("index_price");
        host.Book.Prices.Current.Assets.ContainsKey("BTC").ShouldBeFalse();
    }
}
