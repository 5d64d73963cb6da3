using Microsoft.Extensions.DependencyInjection;

namespace Clearing.ServiceDefaults.Operations;

public static class OperationsServiceCollectionExtensions
{
    /// <summary>Runs <typeparamref name="TProjection"/> as a hosted service and makes it rebuildable through Replay.RebuildProjection.</summary>
    public static IServiceCollection AddProjection<TProjection>(this IServiceCollection services)
        where TProjection : CatchUpProjection
    {
        services.AddSingleton<TProjection>();
        services.AddSingleton<IRebuildableProjection>(provider => provider.GetRequiredService<TProjection>());
        services.AddHostedService(provider => provider.GetRequiredService<TProjection>());
        return services;
    }
}
