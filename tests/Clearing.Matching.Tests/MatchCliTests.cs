using System.CommandLine;
using Clearing.Cli.Commands;
using Clearing.Cli.Commands.Match;

namespace Clearing.Matching.Tests;

public sealed class MatchCliTests
{
    private static readonly MatchOptions Defaults = new(0.5m, 0.001m, PrintBook: true);

    private static (int Exit, string Output, string Error) Run(string input, MatchOptions? options = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = MatchRunner.Run(new StringReader(input), output, error, options ?? Defaults);
        return (exit, output.ToString(), error.ToString());
    }

    private static string Place(string id, string account, string side, string price, string qty, string extra = "", string market = "BTC-PERP") =>
        $$"""{"type":"place","id":"{{id}}","account":"{{account}}","market":"{{market}}","side":"{{side}}","kind":"limit","price":"{{price}}","qty":"{{qty}}"{{extra}}}""";

    [Fact]
    public void trades_print_at_the_maker_price_and_the_book_prints_in_priority_order()
    {
        var input = string.Join('\n',
            Place("o1", "a1", "sell", "50000.5", "0.1", ""","tif":"GTC","postOnly":false,"stp":"cancel-maker" """.TrimEnd()),
            Place("o2", "a2", "sell", "50001", "0.2"),
            Place("o3", "a4", "buy", "49000", "0.4"),
            Place("o4", "a3", "buy", "50001", "0.25", ""","tif":"IOC" """.TrimEnd()),
            """{"type":"place","id":"o5","account":"a5","market":"BTC-PERP","side":"sell","kind":"market","qty":"0.5"}""",
            Place("o6", "a1", "buy", "48000", "1"),
            Place("o7", "a2", "buy", "48000", "2"));
        var (exit, output, error) = Run(input);
        exit.ShouldBe(0, error);
        output.ShouldBe("""
            {"type":"rested","id":"o1","market":"BTC-PERP","side":"sell","price":"50000.5","qty":"0.1"}
            {"type":"rested","id":"o2","market":"BTC-PERP","side":"sell","price":"50001","qty":"0.2"}
            {"type":"rested","id":"o3","market":"BTC-PERP","side":"buy","price":"49000","qty":"0.4"}
            {"type":"trade","market":"BTC-PERP","price":"50000.5","qty":"0.1","maker":"o1","taker":"o4"}
            {"type":"trade","market":"BTC-PERP","price":"50001","qty":"0.15","maker":"o2","taker":"o4"}
            {"type":"trade","market":"BTC-PERP","price":"49000","qty":"0.4","maker":"o3","taker":"o5"}
            {"type":"cancelled","id":"o5","reason":"immediate-or-cancel"}
            {"type":"rested","id":"o6","market":"BTC-PERP","side":"buy","price":"48000","qty":"1"}
            {"type":"rested","id":"o7","market":"BTC-PERP","side":"buy","price":"48000","qty":"2"}
            {"type":"book","market":"BTC-PERP","bids":[["o6","48000","1"],["o7","48000","2"]],"asks":[["o2","50001","0.05"]]}

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void a_malformed_line_names_its_line_number_and_nothing_is_printed()
    {
        var input = string.Join('\n', Place("o1", "a1", "sell", "100", "1"), "", """{"type":"place","id":"o2" """);
        var (exit, output, error) = Run(input);
        exit.ShouldBe(1);
        output.ShouldBeEmpty();
        error.ShouldStartWith("line 3: not valid JSON");
    }

    [Theory]
    [InlineData("""{"type":"modify","id":"o1","account":"a","market":"M"}""", "\"type\" must be \"place\" or \"cancel\"")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"buy","kind":"limit","price":"1","qty":"1","postonly":true}""", "unknown field \"postonly\"")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"long","kind":"limit","price":"1","qty":"1"}""", "\"side\" must be")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"buy","kind":"limit","qty":"1"}""", "a limit order needs \"price\"")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"buy","kind":"market","price":"1","qty":"1"}""", "a market order takes no \"price\"")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"buy","kind":"limit","price":1.5,"qty":"1"}""", "\"price\" must be a decimal string")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"buy","kind":"limit","price":"1e3","qty":"1"}""", "\"price\": '1e3' is not a decimal number")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"buy","kind":"limit","price":"1","qty":"1","tif":"GTD"}""", "\"tif\" must be")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"buy","kind":"limit","price":"1","qty":"1","stp":"none"}""", "\"stp\" must be")]
    [InlineData("""{"type":"place","id":"o1","account":"a","market":"M","side":"buy","kind":"limit","price":"1","qty":"1","postOnly":"yes"}""", "\"postOnly\" must be true or false")]
    [InlineData("""{"type":"cancel","id":"o1","account":"a"}""", "missing \"market\"")]
    [InlineData("""{"type":"cancel","id":"","account":"a","market":"M"}""", "\"id\" is empty")]
    [InlineData("""{"type":"cancel","id":"o1","id":"o2","account":"a","market":"M"}""", "field \"id\" appears twice")]
    [InlineData("""["place"]""", "expected a JSON object")]
    public void each_malformed_line_gets_a_clear_message(string line, string message)
    {
        var (exit, output, error) = Run(Place("ok", "a", "buy", "1", "1") + "\n" + line);
        exit.ShouldBe(1);
        output.ShouldBeEmpty();
        error.ShouldStartWith("line 2: ");
        error.ShouldContain(message);
    }

    [Fact]
    public void off_tick_off_lot_and_non_positive_values_are_rejections_not_errors()
    {
        var input = string.Join('\n',
            Place("o1", "a1", "buy", "100.3", "1"),
            Place("o2", "a1", "buy", "100", "0.0001"),
            Place("o3", "a1", "buy", "100", "0"),
            Place("o4", "a1", "buy", "-5", "1"),
            Place("o5", "a1", "buy", "100", "1"));
        var (exit, output, _) = Run(input, Defaults with { PrintBook = false });
        exit.ShouldBe(0);
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(
        [
            """{"type":"rejected","id":"o1","reason":"off-tick"}""",
            """{"type":"rejected","id":"o2","reason":"off-lot"}""",
            """{"type":"rejected","id":"o3","reason":"non-positive-quantity"}""",
            """{"type":"rejected","id":"o4","reason":"non-positive-price"}""",
            """{"type":"rested","id":"o5","market":"BTC-PERP","side":"buy","price":"100","qty":"1"}""",
        ]);
    }

    [Fact]
    public void cancels_of_other_accounts_orders_unknown_orders_and_duplicate_ids_are_rejected()
    {
        var input = string.Join('\n',
            Place("o1", "a1", "buy", "100", "1"),
            """{"type":"cancel","id":"o1","account":"a2","market":"BTC-PERP"}""",
            """{"type":"cancel","id":"zz","account":"a1","market":"BTC-PERP"}""",
            Place("o1", "a1", "buy", "99", "1"),
            """{"type":"cancel","id":"o1","account":"a1","market":"BTC-PERP"}""");
        var (_, output, _) = Run(input, Defaults with { PrintBook = false });
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..].ShouldBe(
        [
            """{"type":"rejected","id":"o1","reason":"not-owner"}""",
            """{"type":"rejected","id":"zz","reason":"not-resting"}""",
            """{"type":"rejected","id":"o1","reason":"duplicate-order-id"}""",
            """{"type":"cancelled","id":"o1","reason":"user-requested"}""",
        ]);
    }

    [Fact]
    public void self_trade_prevention_fok_and_post_only_follow_the_engine_semantics()
    {
        var input = string.Join('\n',
            Place("m1", "a1", "sell", "100", "1"),
            Place("m2", "a2", "sell", "100", "1"),
            Place("t1", "a1", "buy", "100", "2", ""","stp":"cancel-both" """.TrimEnd()),
            Place("t2", "a3", "buy", "100", "2", ""","tif":"FOK" """.TrimEnd()),
            Place("t3", "a3", "buy", "100", "1", ""","postOnly":true """.TrimEnd()));
        var (_, output, _) = Run(input, Defaults with { PrintBook = false });
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[2..].ShouldBe(
        [
            """{"type":"cancelled","id":"m1","reason":"self-trade-prevention"}""",
            """{"type":"cancelled","id":"t1","reason":"self-trade-prevention"}""",
            """{"type":"cancelled","id":"t2","reason":"fill-or-kill"}""",
            """{"type":"cancelled","id":"t3","reason":"post-only-would-cross"}""",
        ]);
    }

    [Fact]
    public void tick_and_lot_set_the_grid_of_every_market()
    {
        var input = Place("o1", "a1", "buy", "3000.01", "2", market: "ETH-PERP") + "\n" + Place("o2", "a1", "buy", "3000.015", "2", market: "ETH-PERP");
        var (_, output, _) = Run(input, new MatchOptions(0.01m, 1m, PrintBook: false));
        output.ShouldBe("""
            {"type":"rested","id":"o1","market":"ETH-PERP","side":"buy","price":"3000.01","qty":"2"}
            {"type":"rejected","id":"o2","reason":"off-tick"}

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void the_same_input_prints_the_same_bytes()
    {
        var lines = Enumerable.Range(0, 2_000).Select(i =>
            Place($"o{i}", $"a{i % 7}", i % 2 == 0 ? "buy" : "sell", (50_000 + (i * 37 % 41) - 20).ToString(), $"0.{1 + (i % 9)}",
                i % 5 == 0 ? ""","tif":"IOC" """.TrimEnd() : ""));
        var input = string.Join('\n', lines);
        var first = Run(input);
        first.Output.ShouldContain("\"type\":\"trade\"");
        Run(input).Output.ShouldBe(first.Output);
    }

    [Fact]
    public void the_command_reads_its_options_and_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"match-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, Place("o1", "a1", "buy", "3000.01", "2", market: "ETH-PERP") + "\n");
        try
        {
            var (exit, output, error) = Invoke("--input", path, "--tick", "0.01", "--lot", "1", "--book");
            exit.ShouldBe(0, error);
            output.ShouldBe("""
                {"type":"rested","id":"o1","market":"ETH-PERP","side":"buy","price":"3000.01","qty":"2"}
                {"type":"book","market":"ETH-PERP","bids":[["o1","3000.01","2"]],"asks":[]}

                """.ReplaceLineEndings("\n"));
            Invoke("--input", path, "--tick", "0").Error.ShouldContain("--tick must be positive");
            Invoke("--input", path, "--lot", "abc").Error.ShouldContain("--lot: 'abc' is not a decimal number");
            Invoke("--input", path + ".missing").Error.ShouldContain("does not exist");
            Invoke("--input", path + ".missing").Exit.ShouldBe(1);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int Exit, string Output, string Error) Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = MatchCommand.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
