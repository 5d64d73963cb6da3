using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Cli.Stack;

/// <summary>
/// The genesis a local stack's governance bootstraps from: the development genesis (same parameter values as the
/// embedded one) governed by the dev keyring's governors, trusting its oracle publishers, with timelocks of seconds so
/// a proposal can be enacted during a run (`clearing gov propose … --key &lt;data&gt;/dev-keyring.json --governor gov-1`).
/// Written on every `clearing up`; the same keyring gives the same file, so a resumed stack keeps its stored genesis.
/// </summary>
internal static class LocalGenesis
{
    public const string FileName = "genesis.local.json";
    public const string DevelopmentGenesisResource = "genesis.development.json";

    /// <summary>Seconds a tightening change waits locally (production genesis files use hours).</summary>
    public const long TighteningSeconds = 2;

    /// <summary>Seconds a loosening change waits locally.</summary>
    public const long LooseningSeconds = 30;

    public static string PathIn(DirectoryInfo data) => Path.Combine(data.FullName, FileName);

    public static string Write(DirectoryInfo data, DevKeyring keyring)
    {
        using var resource = typeof(LocalGenesis).Assembly.GetManifestResourceStream(DevelopmentGenesisResource)
            ?? throw new InvalidOperationException($"The CLI was built without the embedded {DevelopmentGenesisResource}.");
        using var reader = new StreamReader(resource);
        var development = GenesisDocument.Parse(reader.ReadToEnd());
        var local = development.WithKeys(
            keyring.Governors.Select(g => new Governor(g.Key, g.Value.PublicKey)).ToList(),
            keyring.Publishers.Select(p => new OraclePublisher(p.Key, p.Value.PublicKey)).ToList());
        local = local with
        {
            Governance = local.Governance with
            {
                Timelocks = Enum.GetValues<ParameterKind>().ToDictionary(k => k.ToString().ToLowerInvariant(), _ => new Timelock(TighteningSeconds, LooseningSeconds)),
            },
        };
        var json = local.ToJson();
        GenesisDocument.Parse(json);
        var path = PathIn(data);
        File.WriteAllText(path, json);
        return path;
    }
}
