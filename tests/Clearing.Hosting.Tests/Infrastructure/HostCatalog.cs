extern alias funding;
extern alias liquidation;
extern alias margin;
extern alias matching;
extern alias oracleIngest;
extern alias orderGateway;
extern alias settlement;
extern alias vault;

using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>The service hosts tested here (governance has its own tests), by service name, with their default ports.</summary>
public static class HostCatalog
{
    public static IReadOnlyList<(string Name, int GrpcPort, int HttpPort)> All { get; } =
    [
        ("order-gateway", 7101, 8101),
        ("matching", 7102, 8102),
        ("margin", 7103, 8103),
        ("oracle-ingest", 7104, 8104),
        ("funding", 7105, 8105),
        ("liquidation", 7106, 8106),
        ("settlement", 7107, 8107),
        ("vault", 7109, 8109),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _, _) in All)
        {
            data.Add(name);
        }

        return data;
    }

    public static ServiceHost Start(string name, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) => name switch
    {
        "order-gateway" => ServiceHost.Start<orderGateway::Program>(name, settings, services),
        "matching" => ServiceHost.Start<matching::Program>(name, settings, services),
        "margin" => ServiceHost.Start<margin::Program>(name, settings, services),
        "oracle-ingest" => ServiceHost.Start<oracleIngest::Program>(name, settings, services),
        "funding" => ServiceHost.Start<funding::Program>(name, settings, services),
        "liquidation" => ServiceHost.Start<liquidation::Program>(name, settings, services),
        "settlement" => ServiceHost.Start<settlement::Program>(name, settings, services),
        "vault" => ServiceHost.Start<vault::Program>(name, settings, services),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not one of the service hosts tested here."),
    };
}
