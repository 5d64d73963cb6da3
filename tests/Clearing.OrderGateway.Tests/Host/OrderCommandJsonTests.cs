using Clearing.Contracts.Orders.V1;
using Clearing.OrderGateway.Integration;
using Google.Protobuf;

namespace Clearing.OrderGateway.Tests.Host;

/// <summary>
/// The stored command text is written field by field on the hot path; it must be, character for character, what
/// Google's formatter writes (the stored events written before it and after it must read alike).
/// </summary>
public sealed class OrderCommandJsonTests
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void generated_commands_of_every_kind_are_written_as_the_formatter_writes_them(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 50; i++)
        {
            var command = Generate(random);

            var direct = OrderCommandJson.TryFormatDirect(command).ShouldNotBeNull();

            direct.ShouldBe(Formatter.Format(command));
            OrderCommandMapping.FromJson(direct).ShouldBe(command);
        }
    }

    [Fact]
    public void every_character_taken_as_plain_is_one_the_formatter_writes_as_itself()
    {
        var plain = Enumerable.Range(0, 128).Select(c => (char)c).Where(OrderCommandJson.IsPlain).ToList();
        plain.Count.ShouldBeGreaterThan(62);
        foreach (var ch in plain)
        {
            Formatter.Format(new CancelOrder { OrderId = $"a{ch}b" }).ShouldBe($"{{ \"orderId\": \"a{ch}b\" }}");
        }
    }

    [Theory]
    [InlineData("quote\"d")]
    [InlineData("back\\slash")]
    [InlineData("tab\there")]
    [InlineData("ünïcödé")]
    [InlineData("<script>")]
    [InlineData("line\u2028separator")]
    [InlineData("space d")]
    public void a_command_with_any_other_character_is_left_to_the_formatter(string orderId)
    {
        var command = new OrderCommand { CommandId = "c", Market = "BTC-PERP", AccountId = "a", Cancel = new CancelOrder { OrderId = orderId } };

        OrderCommandJson.TryFormatDirect(command).ShouldBeNull();
        OrderCommandJson.Format(command).ShouldBe(Formatter.Format(command));
    }

    [Fact]
    public void an_enum_value_without_a_name_is_left_to_the_formatter()
    {
        var command = new OrderCommand { CommandId = "c", Market = "BTC-PERP", AccountId = "a", Place = new PlaceOrder { Side = (Side)7 } };

        OrderCommandJson.TryFormatDirect(command).ShouldBeNull();
        OrderCommandJson.Format(command).ShouldBe(Formatter.Format(command));
    }

    [Fact]
    public void empty_messages_and_a_command_without_a_case_are_written_as_the_formatter_writes_them()
    {
        foreach (var command in new[]
                 {
                     new OrderCommand(),
                     new OrderCommand { CancelAll = new CancelAll() },
                     new OrderCommand { Place = new PlaceOrder() },
                     new OrderCommand { Cancel = new CancelOrder(), TimeUnixNanos = -5 },
                     new OrderCommand { Amend = new AmendOrder { NewPrice = "1" }, Origin = Origin.Vault, TimeUnixNanos = long.MinValue },
                 })
        {
            OrderCommandJson.TryFormatDirect(command).ShouldBe(Formatter.Format(command));
        }
    }

    private static OrderCommand Generate(Random random)
    {
        var command = new OrderCommand
        {
            CommandId = Text(random),
            Market = Text(random),
            AccountId = Text(random),
            TimeUnixNanos = Int64(random),
            Origin = (Origin)random.Next(0, 4),
        };
        switch (random.Next(0, 5))
        {
            case 0:
                command.Place = new PlaceOrder
                {
                    OrderId = Text(random), Side = (Side)random.Next(0, 3), Kind = (OrderKind)random.Next(0, 6), Price = Amount(random),
                    Quantity = Amount(random), TimeInForce = (TimeInForce)random.Next(0, 5), ExpireAtUnixNanos = Int64(random),
                    PostOnly = random.Next(2) == 1, ReduceOnly = random.Next(2) == 1, Stp = (SelfTradePrevention)random.Next(0, 4),
                    TriggerPrice = Amount(random), MarginMode = (MarginMode)random.Next(0, 3), IsolatedCollateral = Amount(random),
                    CollateralAsset = Text(random), Mmp = random.Next(2) == 1,
                };
                break;
            case 1:
                command.Cancel = new CancelOrder { OrderId = Text(random) };
                break;
            case 2:
                command.Amend = new AmendOrder { OrderId = Text(random), NewPrice = Amount(random), NewQuantity = Amount(random) };
                break;
            case 3:
                command.CancelAll = new CancelAll();
                break;
        }

        return command;
    }

    private const string PlainCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@/+#~";

    private static string Text(Random random) =>
        random.Next(4) == 0 ? "" : new string([.. Enumerable.Range(0, random.Next(1, 40)).Select(_ => PlainCharacters[random.Next(PlainCharacters.Length)])]);

    private static string Amount(Random random) =>
        random.Next(3) == 0 ? "" : (random.NextInt64(0, 10_000_000_000) / (decimal)Math.Pow(10, random.Next(0, 9))).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static long Int64(Random random) => random.Next(5) switch
    {
        0 => 0,
        1 => long.MaxValue,
        2 => -random.NextInt64(),
        _ => random.NextInt64(),
    };
}
