namespace Clearing.EventSourcing;

/// <summary>An event about to be appended: its bytes are UTF-8 JSON so a store stays readable from a SQL prompt.</summary>
public sealed record EventData(
    Guid EventId,
    string Type,
    int SchemaVersion,
    ReadOnlyMemory<byte> Data,
    ReadOnlyMemory<byte> Metadata = default,
    Guid? CorrelationId = null,
    Guid? CausationId = null);
