using Clearing.Primitives.Markets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Clearing.ServiceDefaults.Configuration;

public static class MarketCatalogExtensions
{
    public const string Section = "Markets";

    /// <summary>
    /// Registers the <see cref="MarketCatalog"/> bound from the "Markets" section (a list of market definitions), or the
    /// embedded defaults when the section is empty. An invalid definition stops start-up with a message naming the market
    /// and field, because every service must agree on what it trades.
    /// </summary>
    public static IServiceCollection AddMarketCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(_ => Load(configuration));
        return services;
    }

    public static MarketCatalog Load(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!section.GetChildren().Any())
        {
            return MarketCatalog.EmbeddedDefaults;
        }
        var markets = section.Get<List<MarketDefinition>>(o => o.ErrorOnUnknownConfiguration = true)
            ?? throw new InvalidOperationException($"configuration section '{Section}' could not be read as a list of markets");
        try
        {
            return new MarketCatalog(markets);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"configuration section '{Section}': {e.Message}", e);
        }
    }
}
