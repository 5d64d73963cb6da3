using System.CommandLine;
using Clearing.Cli.Commands;

// The `clearing` command: each sub-command lives in Commands/ and says what it does in its description.
var root = new RootCommand("Clearing: event-sourced clearing for crypto derivatives.")
{
    UpCommand.Create(),
    BrokerCommand.Create(),
    VerifyCommand.Create(),
    PriceOptionCommand.Create(),
    ImpliedVolCommand.Create(),
    MatchCommand.Create(),
    GovCommand.Create(),
    VerifyProofCommand.Create(),
    TailCommand.Create(),
    ReplayCommand.Create(),
    StressCommand.Create(),
    SimulateCommand.Create(),
    DemoCommand.Create(),
    VaultCommand.Create(),
};
// Ctrl-C and SIGTERM cancel the running command; `up` then needs time to drain its services (each gets 30 s).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(45) });
