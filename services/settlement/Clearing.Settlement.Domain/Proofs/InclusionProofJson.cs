using System.Text;
using System.Text.Json;

namespace Clearing.Settlement.Domain.Proofs;

/// <summary>The proof file <c>clearing verify-proof</c> reads: camelCase JSON, amounts and hashes as strings, sides "left"/"right".</summary>
public static class InclusionProofJson
{
    public static string Serialize(InclusionProof proof, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(proof);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", proof.Version);
            w.WriteNumber("epoch", proof.Epoch);
            w.WriteString("asset", proof.Asset);
            w.WriteString("accountId", proof.AccountId);
            w.WriteString("salt", proof.Salt);
            w.WriteString("accountHash", proof.AccountHash);
            w.WriteString("liability", proof.Liability);
            w.WriteString("ledgerBalance", proof.LedgerBalance);
            w.WriteNumber("leafIndex", proof.LeafIndex);
            w.WriteString("leafHash", proof.LeafHash);
            w.WriteStartArray("levels");
            foreach (var s in proof.Levels)
            {
                w.WriteStartObject();
                w.WriteNumber("level", s.Level);
                w.WriteString("siblingSide", s.SiblingSide == ProofSide.Left ? "left" : "right");
                w.WriteString("siblingHash", s.SiblingHash);
                w.WriteString("siblingSum", s.SiblingSum);
                w.WriteString("nodeHash", s.NodeHash);
                w.WriteString("nodeSum", s.NodeSum);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("root", proof.Root);
            w.WriteString("total", proof.Total);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static InclusionProof Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var r = document.RootElement;
        return new InclusionProof
        {
            Version = r.GetProperty("version").GetInt32(),
            Epoch = r.GetProperty("epoch").GetInt64(),
            Asset = Text(r, "asset"),
            AccountId = Text(r, "accountId"),
            Salt = Text(r, "salt"),
            AccountHash = Text(r, "accountHash"),
            Liability = Text(r, "liability"),
            LedgerBalance = Text(r, "ledgerBalance"),
            LeafIndex = r.GetProperty("leafIndex").GetInt32(),
            LeafHash = Text(r, "leafHash"),
            Levels = [.. r.GetProperty("levels").EnumerateArray().Select(s => new ProofStep(
                s.GetProperty("level").GetInt32(),
                Text(s, "siblingSide") switch
                {
                    "left" => ProofSide.Left,
                    "right" => ProofSide.Right,
                    var other => throw new FormatException($"siblingSide '{other}' is neither left nor right"),
                },
                Text(s, "siblingHash"),
                Text(s, "siblingSum"),
                Text(s, "nodeHash"),
                Text(s, "nodeSum")))],
            Root = Text(r, "root"),
            Total = Text(r, "total"),
        };
    }

    private static string Text(JsonElement e, string name) => e.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' must be a string");
}
