using System.CommandLine;
using Clearing.Cli.Commands.Tail;
using Clearing.Contracts;

namespace Clearing.Cli.Commands;

/// <summary>`clearing tail &lt;topic&gt;`: follows a topic's events as readable lines or JSON.</summary>
internal static class TailCommand
{
    public static Command Create()
    {
        var topic = new Argument<string>("topic")
        {
            Description = "Topic to follow, e.g. clearing.matching.events.v1. Known: " + string.Join(", ", Topics.All),
        };
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = $"Data directory of a running `clearing up`: the broker address is read from <data>/{BrokerCommand.BootstrapFileName}.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".clearing", "data")),
        };
        var bootstrap = new Option<string?>("--bootstrap", "-b") { Description = "Kafka bootstrap servers (host:port,…); overrides --data." };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the oldest retained message instead of the end." };
        var json = new Option<bool>("--json") { Description = "One JSON object per message (topic, partition, offset, key, headers, payload)." };
        var count = new Option<int>("--count", "-n") { Description = "Stop after this many messages (0: follow until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var key = new Option<string?>("--key") { Description = "Only messages with this key (a market, an account id, an asset)." };
        var idle = new Option<double?>("--idle-exit") { Description = "Stop when no message arrived for this many seconds." };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--count must be 0 (follow) or positive.");
            }
        });

        var command = new Command("tail", """
            Follows a topic's events as readable lines (or --json), decoding each public contract.
            Examples:
              clearing tail clearing.matching.events.v1
              clearing tail clearing.margin.risk.v1 --from-beginning --json --key acct-1
              clearing tail clearing.dlq.v1 -b 127.0.0.1:9092 -n 10
            """)
        {
            topic, data, bootstrap, fromBeginning, json, count, key, idle,
        };
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var servers = result.GetValue(bootstrap);
            if (string.IsNullOrWhiteSpace(servers))
            {
                var file = Path.Combine(result.GetValue(data)!.FullName, BrokerCommand.BootstrapFileName);
                if (!File.Exists(file))
                {
                    Console.Error.WriteLine($"clearing tail: no broker address: {file} does not exist. Start `clearing up` (or `clearing broker`) with that --data, or pass --bootstrap.");
                    return 2;
                }
                servers = File.ReadAllText(file).Trim();
            }
            var options = new TailOptions(result.GetValue(topic)!, servers, result.GetValue(fromBeginning), result.GetValue(json),
                result.GetValue(count), result.GetValue(key), result.GetValue(idle) is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
            return await TailRunner.RunAsync(options, Console.Out, Console.Error, cancellationToken);
        });
        return command;
    }
}
