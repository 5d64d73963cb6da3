using System.CommandLine;
using Clearing.Cli.Commands;

namespace Clearing.Cli.Tests;

public sealed class SimulateArgumentsTests
{
    [Theory]
    [InlineData("--taker-rate 0", "--taker-rate must be between")]
    [InlineData("--taker-rate 200000", "--taker-rate must be between")]
    [InlineData("--scenario storm", "is not a scenario")]
    public void bad_simulate_arguments_are_refused_naming_the_option(string arguments, string message)
    {
        var result = new RootCommand { SimulateCommand.Create() }.Parse(["simulate", .. arguments.Split(' ')]);

        result.Errors.Select(e => e.Message).ShouldContain(m => m.Contains(message));
    }

    [Theory]
    [InlineData("simulate")]
    [InlineData("demo")]
    public void without_a_scenario_the_readme_commands_parse_and_play_the_crash(string verb)
    {
        var root = new RootCommand { SimulateCommand.Create(), DemoCommand.Create() };

        var result = root.Parse([verb]);

        result.Errors.ShouldBeEmpty();
        result.GetValue<string>("--scenario").ShouldBe("crash");
    }

    [Fact]
    public void a_taker_rate_replaces_the_scenario_rate()
    {
        var arguments = new SimulateArguments();
        var command = new Command("simulate");
        arguments.AddTo(command);
        var data = Directory.CreateTempSubdirectory("clearing-simulate-args").FullName;

        var parsed = new RootCommand { command }.Parse(["simulate", "--scenario", "calm", "--taker-rate", "750", "--data", data]);
        var defaults = new RootCommand { command }.Parse(["simulate", "--scenario", "calm", "--data", data]);

        parsed.Errors.ShouldBeEmpty();
        arguments.Settings(parsed, null!, null!).Scenario.TakerOrdersPerSecond.ShouldBe(750);
        arguments.Settings(defaults, null!, null!).Scenario.TakerOrdersPerSecond.ShouldBe(8);
    }
}
