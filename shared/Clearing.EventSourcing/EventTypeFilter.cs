namespace Clearing.EventSourcing;

/// <summary>
/// Which stored event types a page read hands over (<see cref="IEventStore.ReadAllPageAsync"/>): all of them, only the
/// listed ones, or all but the listed ones. The store applies it in its query, so the others are never read into memory.
/// </summary>
public sealed class EventTypeFilter
{
    private EventTypeFilter(IReadOnlySet<string> types, bool include)
    {
        Types = types;
        Include = include;
    }

    /// <summary>Every type.</summary>
    public static EventTypeFilter All { get; } = new(new HashSet<string>(StringComparer.Ordinal), include: false);

    /// <summary>The listed types; <see cref="Include"/> says whether they are the only ones read or the ones left out.</summary>
    public IReadOnlySet<string> Types { get; }

    /// <summary>True: only <see cref="Types"/> are read. False: every type except <see cref="Types"/>.</summary>
    public bool Include { get; }

    /// <summary>Only these types.</summary>
    public static EventTypeFilter Only(params IEnumerable<string> types) => new(Validated(types), include: true);

    /// <summary>Every type but these.</summary>
    public static EventTypeFilter Except(params IEnumerable<string> types) => new(Validated(types), include: false);

    public bool Matches(string type) => Types.Contains(type) == Include;

    public override string ToString() => Include ? $"only [{string.Join(", ", Types)}]" : Types.Count == 0 ? "all" : $"all but [{string.Join(", ", Types)}]";

    private static HashSet<string> Validated(IEnumerable<string> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (string.IsNullOrWhiteSpace(type))
            {
                throw new ArgumentException("An event type filter lists no empty type names.", nameof(types));
            }

            set.Add(type);
        }

        return set;
    }
}
