using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Hosting;

namespace Clearing.ServiceDefaults.Configuration;

public static class ServiceIdentityExtensions
{
    /// <summary>
    /// Gives the host its name and default ports (so seven services can run side by side on one machine with no
    /// configuration). The values go in as the LOWEST-priority configuration source: appsettings, environment
    /// variables, command-line arguments and Helm values all override them.
    /// </summary>
    public static IHostApplicationBuilder AddServiceIdentity(this IHostApplicationBuilder builder, string serviceName, int grpcPort, int httpPort)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                [$"{ClearingOptions.Section}:{nameof(ClearingOptions.ServiceName)}"] = serviceName,
                [$"{ClearingOptions.Section}:{nameof(ClearingOptions.Grpc)}:{nameof(EndpointOptions.Port)}"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [$"{ClearingOptions.Section}:{nameof(ClearingOptions.Http)}:{nameof(EndpointOptions.Port)}"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // Kafka's client id, consumer group, CloudEvents source and transactional id prefix: without this every
                // service would share "clearing", and two producers with one transactional id fence each other.
                ["Kafka:ServiceName"] = serviceName,
            },
        });
        return builder;
    }
}
