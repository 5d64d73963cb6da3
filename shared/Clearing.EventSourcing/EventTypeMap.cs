using System.Reflection;

namespace Clearing.EventSourcing;

/// <summary>Stored type name ↔ CLR type, built from [EventType] attributes; duplicates are refused at start-up.</summary>
public sealed class EventTypeMap
{
    private readonly Dictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, EventTypeAttribute> _byType = [];

    public EventTypeMap Register(Type type)
    {
        var attribute = type.GetCustomAttribute<EventTypeAttribute>()
            ?? throw new ArgumentException($"{type.FullName} has no [EventType(\"context.name.v1\")] attribute.", nameof(type));
        if (_byName.TryGetValue(attribute.Name, out var existing) && existing != type)
        {
            throw new ArgumentException($"Event type name '{attribute.Name}' is used by both {existing.FullName} and {type.FullName}.", nameof(type));
        }

        _byName[attribute.Name] = type;
        _byType[type] = attribute;
        return this;
    }

    public EventTypeMap Register<T>() => Register(typeof(T));

    /// <summary>Registers every type in the assembly that carries [EventType].</summary>
    public EventTypeMap RegisterAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t.GetCustomAttribute<EventTypeAttribute>() is not null))
        {
            Register(type);
        }

        return this;
    }

    public EventTypeAttribute NameOf(Type type) =>
        _byType.TryGetValue(type, out var attribute)
            ? attribute
            : throw new UnknownEventTypeException($"{type.FullName} is not a registered event type.");

    public bool TryGetType(string name, out Type type) => _byName.TryGetValue(name, out type!);

    /// <summary>Every registered stored name.</summary>
    public IEnumerable<string> Names => _byName.Keys;
}

public sealed class UnknownEventTypeException(string message) : Exception(message);
