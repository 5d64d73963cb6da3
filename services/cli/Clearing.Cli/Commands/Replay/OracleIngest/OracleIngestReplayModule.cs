using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.Messaging.Kafka.Outbox;
using Clearing.OracleIngest.Application;
using Clearing.OracleIngest.Domain;
using Clearing.OracleIngest.Integration;

namespace Clearing.Cli.Commands.Replay.OracleIngest;

/// <summary>
/// `clearing replay oracle-ingest`: time travel over an asset's oracle (oracle-{asset}, and oracle-unlisted-assets where
/// reports for assets without an oracle are refused): each publisher's last quote and sequence, the last index and its
/// status, the circuit breaker and its window, mark EMAs and fitted vol slices, folded with the domain's OracleAsset.Evolve
/// over the host's OracleEventCodec, as AssetOracle loads it. Evolve reads one parameter, the breaker window's length:
/// the fold uses the default OracleParameters (60 s, what `clearing up` runs), so a deployment configured with another
/// window sees only the window's oldest buckets differ. Republishing goes through the service's OraclePricesTranslator.
/// No read model to rebuild: the oracle keeps its state in these streams.
/// </summary>
internal sealed class OracleIngestReplayModule : FoldingReplayModule
{
    // The state is not part of the service's JSON context (the oracle never snapshots it), so it is written by reflection.
    private static readonly JsonSerializerOptions StateOptions = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static readonly OracleParameters Parameters = new();

    public override string Service => "oracle-ingest";

    public override IOutboxTranslator? Translator { get; } = new OraclePricesTranslator();

    protected override IReadOnlyList<StreamFold> Folds { get; } =
    [
        new($"{OracleStreams.Category}-{{asset}}", StreamFold.InCategory(OracleStreams.Category), (stream, events) =>
        {
            var state = OracleAssetState.Initial(stream[(OracleStreams.Category.Length + 1)..]);
            foreach (var recorded in events)
            {
                state = OracleAsset.Evolve(Parameters, state, Decode(recorded));
            }
            return JsonSerializer.SerializeToNode(state, StateOptions)!;
        }),
    ];

    private static object Decode(Clearing.EventSourcing.RecordedEvent recorded)
    {
        try
        {
            return OracleEventCodec.Decode(recorded);
        }
        catch (Exception ex) when (ex is JsonException or Clearing.EventSourcing.UnknownEventTypeException)
        {
            throw new InvalidDataException($"{recorded.StreamId} v{recorded.StreamVersion}: stored event '{recorded.Type}' cannot be read by this build ({ex.Message})", ex);
        }
    }
}
