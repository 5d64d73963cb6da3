using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Clearing.Cli.Commands;

/// <summary>
/// <c>clearing verify-proof --root &lt;hex&gt; --proof proof.json</c>: checks offline that an account's liability is in an
/// epoch's published Merkle sum tree. Exit 0 when the proof leads to the root; 1 with the failing level when it does
/// not; 2 when the input cannot be read.
/// </summary>
/// <remarks>
/// Deliberately a separate implementation of the layouts documented in settlement's ProofHashing (it shares no code with
/// the service that builds the tree), so a trader checks the service with code the service does not run:
/// accountHash = SHA-256(salt ‖ account id); leaf = SHA-256(0x00 ‖ accountHash ‖ len ‖ liability);
/// node = SHA-256(0x01 ‖ left ‖ right ‖ len ‖ left sum ‖ len ‖ right sum); amounts as canonical decimal text.
/// </remarks>
public static class VerifyProofCommand
{
    public const int Valid = 0;
    public const int Mismatch = 1;
    public const int BadInput = 2;

    public static Command Create()
    {
        var root = new Option<string>("--root") { Description = "The published root hash (hex) of the epoch's tree, from EpochClosed.", Required = true };
        var proof = new Option<string>("--proof") { Description = "The inclusion proof JSON from GetInclusionProof; '-' reads stdin.", Required = true };
        var command = new Command("verify-proof", "Checks offline that an account's inclusion proof leads to a published proof-of-liabilities root; names the failing level when it does not.")
        {
            root, proof,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetValue(proof)!;
            string json;
            if (path == "-")
            {
                json = Console.In.ReadToEnd();
            }
            else if (!File.Exists(path))
            {
                error.WriteLine($"--proof: file '{path}' does not exist");
                return BadInput;
            }
            else
            {
                json = File.ReadAllText(path);
            }

            return Run(json, parseResult.GetValue(root)!, output, error);
        });
        return command;
    }

    public static int Run(string proofJson, string rootHex, TextWriter output, TextWriter error)
    {
        ProofFile file;
        try
        {
            file = ProofFile.Parse(proofJson);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            error.WriteLine($"--proof: not a readable inclusion proof: {ex.Message}");
            return BadInput;
        }

        if (!IsHash(rootHex.Trim()))
        {
            error.WriteLine($"--root: '{rootHex}' is not a 32-byte hex hash");
            return BadInput;
        }

        var failure = Check(file, rootHex.Trim());
        if (failure is not null)
        {
            error.WriteLine($"REFUSED at {failure}");
            return Mismatch;
        }

        output.WriteLine($"OK: account {file.AccountId} holds {file.Liability} {file.Asset} in epoch {file.Epoch}; the proof leads to root {rootHex.Trim().ToLowerInvariant()} (total {file.Total}, {file.Levels.Count} levels)");
        return Valid;
    }

    private static string? Check(ProofFile p, string rootHex)
    {
        if (p.Version != 1)
        {
            return $"level 0 (leaf): proof version {p.Version} is not supported";
        }

        if (!TryAmount(p.Liability, out var liability) || liability < 0m)
        {
            return $"level 0 (leaf): liability '{p.Liability}' is not a non-negative decimal";
        }

        byte[] salt;
        try
        {
            salt = Convert.FromHexString(p.Salt);
        }
        catch (FormatException)
        {
            return "level 0 (leaf): salt is not hex";
        }

        var idBytes = Encoding.UTF8.GetBytes(p.AccountId);
        var accountHash = SHA256.HashData([.. salt, .. idBytes]);
        if (!Same(accountHash, p.AccountHash))
        {
            return $"level 0 (leaf): account hash of '{p.AccountId}' with this salt is {Hex(accountHash)}, the proof says {p.AccountHash}";
        }

        var hash = SHA256.HashData([0x00, .. accountHash, .. Amount(liability)]);
        var sum = liability;
        if (!Same(hash, p.LeafHash))
        {
            return $"level 0 (leaf): leaf hash from account, salt and liability {Canonical(liability)} is {Hex(hash)}, the proof says {p.LeafHash}";
        }

        for (var i = 0; i < p.Levels.Count; i++)
        {
            var step = p.Levels[i];
            var level = i + 1;
            if (step.Level != level)
            {
                return $"level {level}: the proof's step is numbered {step.Level}";
            }

            if (!IsHash(step.SiblingHash))
            {
                return $"level {level}: sibling hash '{step.SiblingHash}' is not 32 bytes of hex";
            }

            if (!TryAmount(step.SiblingSum, out var siblingSum) || siblingSum < 0m)
            {
                return $"level {level}: sibling sum '{step.SiblingSum}' is not a non-negative decimal (a negative sum would hide liabilities)";
            }

            var sibling = Convert.FromHexString(step.SiblingHash);
            hash = step.SiblingSide switch
            {
                "right" => SHA256.HashData([0x01, .. hash, .. sibling, .. Amount(sum), .. Amount(siblingSum)]),
                "left" => SHA256.HashData([0x01, .. sibling, .. hash, .. Amount(siblingSum), .. Amount(sum)]),
                _ => [],
            };
            if (hash.Length == 0)
            {
                return $"level {level}: sibling side '{step.SiblingSide}' is neither left nor right";
            }

            sum += siblingSum;
            if (!Same(hash, step.NodeHash))
            {
                return $"level {level}: node hash from the level below and its sibling is {Hex(hash)}, the proof says {step.NodeHash}";
            }

            if (!TryAmount(step.NodeSum, out var claimed) || claimed != sum)
            {
                return $"level {level}: node sum from the level below and its sibling is {Canonical(sum)}, the proof says {step.NodeSum}";
            }
        }

        var top = p.Levels.Count;
        if (!Same(hash, rootHex))
        {
            return $"level {top} (root): the proof leads to {Hex(hash)}, not to the published root {rootHex.ToLowerInvariant()}";
        }

        if (!TryAmount(p.Total, out var total) || total != sum)
        {
            return $"level {top} (root): the root's sum is {Canonical(sum)}, the proof's total says {p.Total}";
        }

        return null;
    }

    private static byte[] Amount(decimal value)
    {
        var text = Encoding.ASCII.GetBytes(Canonical(value));
        return [(byte)text.Length, .. text];
    }

    private static string Canonical(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    private static bool TryAmount(string? text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static bool IsHash(string? hex) => hex is { Length: 64 } && hex.All(Uri.IsHexDigit);

    private static bool Same(byte[] hash, string? hex) => string.Equals(Hex(hash), hex, StringComparison.OrdinalIgnoreCase);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private sealed record Step(int Level, string SiblingSide, string SiblingHash, string SiblingSum, string NodeHash, string NodeSum);

    private sealed record ProofFile(int Version, long Epoch, string Asset, string AccountId, string Salt, string AccountHash, string Liability, string LeafHash, IReadOnlyList<Step> Levels, string Total)
    {
        public static ProofFile Parse(string json)
        {
            using var document = JsonDocument.Parse(json);
            var r = document.RootElement;
            var levels = r.GetProperty("levels").EnumerateArray().Select(s => new Step(
                s.GetProperty("level").GetInt32(),
                Text(s, "siblingSide").ToLowerInvariant(),
                Text(s, "siblingHash"),
                Text(s, "siblingSum"),
                Text(s, "nodeHash"),
                Text(s, "nodeSum"))).ToList();
            return new ProofFile(
                r.GetProperty("version").GetInt32(),
                r.GetProperty("epoch").GetInt64(),
                Text(r, "asset"),
                Text(r, "accountId"),
                Text(r, "salt"),
                Text(r, "accountHash"),
                Text(r, "liability"),
                Text(r, "leafHash"),
                levels,
                Text(r, "total"));
        }

        private static string Text(JsonElement e, string name) =>
            e.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' must be a string");
    }
}
