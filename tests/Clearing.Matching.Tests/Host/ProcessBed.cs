using Clearing.Contracts;
using Clearing.Messaging.Kafka.Embedded;

namespace Clearing.Matching.Tests.Host;

/// <summary>
/// What a test of the real matching process stands on: a data directory of its own and an embedded broker with
/// matching's topics whose address other processes read from the bootstrap file. Disposing stops the broker and
/// removes the directory.
/// </summary>
internal sealed class ProcessBed : IAsyncDisposable
{
    private ProcessBed(string directory, EmbeddedKafkaBroker broker)
    {
        Directory = directory;
        Broker = broker;
    }

    public string Directory { get; }

    public string BootstrapFile => Path.Combine(Directory, "kafka.bootstrap");

    public EmbeddedKafkaBroker Broker { get; }

    public static ProcessBed Start(string name, int partitions, params string[] moreTopics)
    {
        var directory = Path.Combine(Path.GetTempPath(), name, Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var broker = EmbeddedKafkaBroker.Start(new EmbeddedKafkaBrokerOptions
        {
            BootstrapFile = Path.Combine(directory, "kafka.bootstrap"),
            Partitions = partitions,
            Topics = [Topics.OrderCommands, Topics.OraclePrices, Topics.MatchingEvents, Topics.DeadLetters, .. moreTopics],
        });
        return new ProcessBed(directory, broker);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may still hold a file for a moment; the temp directory is cleaned by the OS.
        }
    }
}
