using System.Collections.Concurrent;

namespace Clearing.Deploy.Tests.Support;

/// <summary>helm template / lint against deploy/helm/clearing, each distinct render done once per test run.</summary>
internal static class Helm
{
    public const string Release = "clearing";
    public const string Namespace = "clearing";

    private static readonly ConcurrentDictionary<string, Lazy<ProcessResult>> Renders = new(StringComparer.Ordinal);

    /// <summary>The value files the chart ships: default (none), dev, prod.</summary>
    public static TheoryData<string> ValueFiles => new() { "default", "dev", "prod" };

    public static string[] ValuesArguments(string valueFile) => valueFile switch
    {
        "default" => [],
        "dev" => ["--values", Repository.Path("deploy/helm/clearing/values-dev.yaml")],
        "prod" => ["--values", Repository.Path("deploy/helm/clearing/values-prod.yaml")],
        _ => throw new ArgumentOutOfRangeException(nameof(valueFile), valueFile, "default, dev or prod"),
    };

    /// <summary>helm template; the result (success or not) is cached by arguments.</summary>
    public static ProcessResult TryTemplate(params string[] arguments)
    {
        var key = string.Join('\u001f', arguments);
        return Renders.GetOrAdd(key, _ => new Lazy<ProcessResult>(() => Tools.Run(Tools.Helm,
            ["template", Release, Repository.Chart, "--namespace", Namespace, .. arguments]))).Value;
    }

    /// <summary>The rendered manifests; fails the test with helm's message when rendering fails.</summary>
    public static string Template(params string[] arguments) => TryTemplate(arguments).EnsureSuccess();

    public static Manifests Load(params string[] arguments) => Manifests.Parse(Template(arguments));

    public static Manifests LoadWith(string valueFile, params string[] arguments) =>
        Load([.. ValuesArguments(valueFile), .. arguments]);
}
