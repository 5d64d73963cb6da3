using k8s;
using k8s.Models;

namespace Clearing.Deploy.Tests.Support;

/// <summary>
/// Rendered manifests loaded into KubernetesClient's typed models with its strict deserializer, so a field that the
/// Kubernetes API does not have (a typo, a wrong level of indentation) or a duplicate key fails the load. Custom
/// resources load into the strict models of <see cref="CustomResources"/>.
/// </summary>
internal sealed class Manifests
{
    private Manifests(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects, string yaml)
    {
        Objects = objects;
        Yaml = yaml;
    }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    public string Yaml { get; }

    public static Manifests Parse(string yaml)
    {
        var known = CustomResources.TypeMap.Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var document in Support.Yaml.Documents(yaml))
        {
            var apiVersion = (string?)document["apiVersion"] ?? throw new InvalidOperationException($"a document has no apiVersion:\n{document}");
            var kind = (string?)document["kind"] ?? throw new InvalidOperationException($"a document has no kind:\n{document}");
            if (!known.Contains($"{apiVersion}/{kind}") && !BuiltInKinds.Contains($"{apiVersion}/{kind}"))
            {
                throw new InvalidOperationException($"{apiVersion} {kind} is neither a Kubernetes API kind nor a custom resource the tests model");
            }
        }

        var objects = KubernetesYaml.LoadAllFromString(yaml, CustomResources.TypeMap, strict: true)
            .Select(o => o as IKubernetesObject<V1ObjectMeta> ?? throw new InvalidOperationException($"{o.GetType().Name} has no metadata"))
            .ToList();
        return new Manifests(objects, yaml);
    }

    private static readonly HashSet<string> BuiltInKinds = typeof(V1Pod).Assembly.GetTypes()
        .Select(t => (Type: t, Entity: (KubernetesEntityAttribute?)Attribute.GetCustomAttribute(t, typeof(KubernetesEntityAttribute))))
        .Where(x => x.Entity is not null && !x.Type.Name.EndsWith("List", StringComparison.Ordinal))
        .Select(x => $"{(string.IsNullOrEmpty(x.Entity!.Group) ? "" : x.Entity.Group + "/")}{x.Entity.ApiVersion}/{x.Entity.Kind}")
        .ToHashSet(StringComparer.Ordinal);

    public IEnumerable<T> OfType<T>() => Objects.OfType<T>();

    public T Single<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Objects.OfType<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new InvalidOperationException($"no {typeof(T).Name} named {name}; have: {string.Join(", ", Objects.Select(o => $"{o.Kind}/{o.Metadata.Name}"))}");

    /// <summary>Every Deployment and StatefulSet, by name, with its pod template.</summary>
    public IReadOnlyList<Workload> Workloads =>
    [
        .. OfType<V1Deployment>().Select(d => new Workload(d.Metadata, d.Kind, d.Spec.Replicas, d.Spec.Template)),
        .. OfType<V1StatefulSet>().Select(s => new Workload(s.Metadata, s.Kind, s.Spec.Replicas, s.Spec.Template)),
    ];

    /// <summary>The Clearing services' workloads (label app.kubernetes.io/part-of=clearing).</summary>
    public IReadOnlyList<Workload> ServiceWorkloads =>
        Workloads.Where(w => w.Metadata.Labels?.TryGetValue("app.kubernetes.io/part-of", out var partOf) == true && partOf == "clearing").ToList();
}

internal sealed record Workload(V1ObjectMeta Metadata, string Kind, int? Replicas, V1PodTemplateSpec Template)
{
    public string Name => Metadata.Name;

    public string Service => Metadata.Labels["app.kubernetes.io/name"];

    public V1Container App => Template.Spec.Containers.Single(c => c.Name == "app");

    public string? Env(string name) => App.Env?.SingleOrDefault(e => e.Name == name)?.Value;

    public V1EnvVar? EnvVar(string name) => App.Env?.SingleOrDefault(e => e.Name == name);

    public IDictionary<string, string> Annotations => Template.Metadata.Annotations ?? new Dictionary<string, string>();
}
