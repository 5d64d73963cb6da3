using System.CommandLine;

namespace Clearing.Cli.Commands;

/// <summary>Placeholder registration point; the embedded broker host replaces this body.</summary>
internal static class BrokerCommand
{
    public static Command Create() => new("broker", "Runs the embedded Kafka-protocol broker.");
}
