using System.CommandLine;
using Clearing.Messaging.Kafka.Embedded;

namespace Clearing.Cli.Commands;

/// <summary>
/// `clearing broker`: hosts the embedded Kafka-protocol broker (librdkafka's mock cluster) in the foreground, so
/// local services (Kafka:EmbeddedBootstrapFile) and any Kafka tool (`kcat -b … -L`) can connect to it.
/// </summary>
internal static class BrokerCommand
{
    public const string BootstrapFileName = "kafka.bootstrap";

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = $"Data directory; the bootstrap servers are written to <data>/{BootstrapFileName}.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".clearing", "data")),
        };
        var partitions = new Option<int>("--partitions")
        {
            Description = "Partitions per topic.",
            DefaultValueFactory = _ => 4,
        };
        var brokers = new Option<int>("--brokers")
        {
            Description = "Number of in-memory brokers.",
            DefaultValueFactory = _ => 3,
        };
        partitions.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                r.AddError("--partitions must be between 1 and 1000.");
            }
        });
        brokers.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 16)
            {
                r.AddError("--brokers must be between 1 and 16.");
            }
        });

        var command = new Command("broker", "Runs the embedded Kafka-protocol broker (in memory) until Ctrl-C or SIGTERM.")
        {
            data,
            partitions,
            brokers,
        };
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            var dataDirectory = result.GetValue(data)!;
            var bootstrapFile = Path.Combine(dataDirectory.FullName, BootstrapFileName);
            await using var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions
            {
                BrokerCount = result.GetValue(brokers),
                Partitions = result.GetValue(partitions),
                BootstrapFile = bootstrapFile,
            });

            Console.WriteLine($"Embedded Kafka broker (librdkafka mock cluster, in memory) with {broker.BrokerCount} broker(s)");
            Console.WriteLine($"bootstrap servers: {broker.BootstrapServers}");
            Console.WriteLine($"bootstrap file:    {bootstrapFile}");
            Console.WriteLine($"topics:            {string.Join(", ", broker.CreatedTopics.Order(StringComparer.Ordinal))}");
            Console.WriteLine($"try:               kcat -b {broker.BootstrapServers} -L");
            Console.WriteLine("Press Ctrl-C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("Stopping the embedded Kafka broker.");
            }

            return 0;
        });
        return command;
    }
}
