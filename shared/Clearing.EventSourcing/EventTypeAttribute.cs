namespace Clearing.EventSourcing;

/// <summary>
/// The stable stored name of an event record, e.g. "margin.position-changed.v1". Never derived from the CLR
/// name, so renaming a class cannot orphan stored events. The ".vN" suffix is the schema version.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class EventTypeAttribute : Attribute
{
    public EventTypeAttribute(string name)
    {
        Name = name;
        SchemaVersion = EventTypeName.VersionOf(name);
    }

    public string Name { get; }

    public int SchemaVersion { get; }
}

public static class EventTypeName
{
    /// <summary>The stored name of event record <typeparamref name="T"/>, from its <see cref="EventTypeAttribute"/>.</summary>
    public static string Of<T>() =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<EventTypeAttribute>(typeof(T))?.Name
        ?? throw new ArgumentException($"{typeof(T).FullName} has no [EventType] name.", nameof(T));

    /// <summary>"margin.position-changed.v2" → 2. A name without a version suffix is refused.</summary>
    public static int VersionOf(string name)
    {
        var dot = name.LastIndexOf(".v", StringComparison.Ordinal);
        if (dot < 0 || !int.TryParse(name.AsSpan(dot + 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw new ArgumentException($"Event type name '{name}' must end with a schema version such as '.v1'.", nameof(name));
        }

        return version;
    }
}
