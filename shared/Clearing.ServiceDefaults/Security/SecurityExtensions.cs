using Clearing.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Clearing.ServiceDefaults.Security;

internal static class SecurityExtensions
{
    public static void AddClearingSecurity(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.AddValidatedOptions<ClearingAuthOptions>(ClearingAuthOptions.Section)
            // Dapr hands the app its token as APP_API_TOKEN; an explicit Clearing:Auth:Dapr:AppApiToken wins.
            .PostConfigure(o => o.Dapr.AppApiToken ??= NullIfEmpty(configuration["APP_API_TOKEN"]));

        var services = builder.Services;
        services.TryAddSingleton<ITraderKeyDirectory, ConfiguredTraderKeyDirectory>();
        services.TryAddSingleton<INonceLedger, InMemoryNonceLedger>();
        services.TryAddSingleton<OperatorKeyRing>();
        services.TryAddSingleton<ClientCertificateAuthenticator>();
        services.AddAuthentication(ClearingAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ClearingAuthenticationHandler>(ClearingAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder()
            .AddRequirements(new UndeclaredCallersRequirement())
            .Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalResultHandler>();
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
