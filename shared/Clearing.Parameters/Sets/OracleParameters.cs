using System.Text.Json.Serialization;
using NSec.Cryptography;

namespace Clearing.Parameters;

/// <summary>A price publisher the oracle accepts signed reports from: its id and base64 Ed25519 public key.</summary>
public sealed record OraclePublisher(string Id, string PublicKey);

/// <summary>
/// The oracle's trust set and filters (set "oracle"). Loosening: adding a publisher or changing a publisher's key
/// (a new key is trusted), a lower quorum, a larger MAD multiplier k (outliers survive the filter), a wider
/// circuit-breaker band, a longer staleness limit. Pulling a publisher tightens.
/// </summary>
public sealed record OracleParameters(
    IReadOnlyList<OraclePublisher> Publishers,
    int Quorum,
    decimal MadK,
    decimal CircuitBreakerBand,
    long MaxStalenessSeconds) : ParameterSet
{
    [JsonIgnore]
    public override ParameterKind Kind => ParameterKind.Oracle;

    [JsonIgnore]
    public override string SetId => ParameterSets.Oracle;

    public override IEnumerable<string> Validate()
    {
        var publishers = Publishers ?? [];
        if (publishers.Count == 0)
        {
            yield return "oracle: publishers must list at least one publisher";
        }

        foreach (var duplicate in publishers.GroupBy(p => p.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"oracle: publisher '{duplicate.Key}' is listed {duplicate.Count()} times";
        }

        foreach (var publisher in publishers)
        {
            if (string.IsNullOrWhiteSpace(publisher.Id) || publisher.Id.Length > 64)
            {
                yield return $"oracle: publisher id '{publisher.Id}' must be 1-64 characters";
            }

            if (!IsEd25519PublicKey(publisher.PublicKey))
            {
                yield return $"oracle: publisher '{publisher.Id}' publicKey must be a base64 Ed25519 public key (32 bytes)";
            }
        }

        if (Quorum < 1)
        {
            yield return $"oracle: quorum is {Quorum}; it must be at least 1";
        }
        else if (Quorum > publishers.Count)
        {
            yield return $"oracle: quorum {Quorum} is larger than the publisher set ({publishers.Count}): no price could ever be accepted";
        }
        else if (Quorum * 2 <= publishers.Count)
        {
            yield return $"oracle: quorum {Quorum} of {publishers.Count} publishers is not a majority: two disjoint quorums could publish different prices";
        }

        foreach (var reason in Fields.Between("madK", MadK, 1m, 20m)
            .Concat(Fields.Between("circuitBreakerBand", CircuitBreakerBand, 0m, 0.5m, minExclusive: true))
            .Concat(Fields.Between("maxStalenessSeconds", MaxStalenessSeconds, 1, 3_600)))
        {
            yield return $"oracle: {reason}";
        }
    }

    public override IReadOnlyList<FieldChange> ChangesFrom(ParameterSet previous)
    {
        var old = (OracleParameters)previous;
        var changes = new List<FieldChange>();
        var oldById = old.Publishers.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var newById = Publishers.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var removed in old.Publishers.Where(p => !newById.ContainsKey(p.Id)))
        {
            changes.Add(new FieldChange($"publishers[{removed.Id}]", removed.PublicKey, "(removed)", ChangeDirection.Tightening));
        }

        foreach (var publisher in Publishers)
        {
            if (!oldById.TryGetValue(publisher.Id, out var before))
            {
                changes.Add(new FieldChange($"publishers[{publisher.Id}]", "(absent)", publisher.PublicKey, ChangeDirection.Loosening));
            }
            else if (before.PublicKey != publisher.PublicKey)
            {
                changes.Add(new FieldChange($"publishers[{publisher.Id}].publicKey", before.PublicKey, publisher.PublicKey, ChangeDirection.Loosening));
            }
        }

        Fields.Compare(changes, "quorum", old.Quorum, Quorum, higherLoosens: false);
        Fields.Compare(changes, "madK", old.MadK, MadK, higherLoosens: true);
        Fields.Compare(changes, "circuitBreakerBand", old.CircuitBreakerBand, CircuitBreakerBand, higherLoosens: true);
        Fields.Compare(changes, "maxStalenessSeconds", old.MaxStalenessSeconds, MaxStalenessSeconds, higherLoosens: true);
        return changes;
    }

    private static bool IsEd25519PublicKey(string? text)
    {
        var bytes = new byte[48];
        return !string.IsNullOrWhiteSpace(text)
            && Convert.TryFromBase64String(text, bytes, out var length) && length == 32
            && NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, bytes.AsSpan(0, 32), KeyBlobFormat.RawPublicKey, out _);
    }
}
