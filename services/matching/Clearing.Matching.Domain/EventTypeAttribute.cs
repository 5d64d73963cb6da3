namespace Clearing.Matching.Domain;

/// <summary>
/// Stable, versioned type name of a stored or published record (DESIGN §4): never derived from the CLR type name,
/// so renaming a class cannot silently change what is on disk. Kept local until Clearing.EventSourcing offers one;
/// replacing it is a using-directive change.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class EventTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
