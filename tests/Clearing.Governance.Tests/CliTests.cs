using Clearing.Cli.Commands;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Governance.Tests;

public sealed class CliTests
{
    [Fact]
    public void a_yaml_proposal_reads_the_same_as_its_json_twin()
    {
        var yaml = """
            id: raise-btc-mm
            kind: standard
            description: "raise BTC-PERP maintenance margin"
            changes:
              - parameters:
                  kind: insurance
                  maxPayoutPerEvent: 900000
                  maxPayoutPerDay: 5000000.00
                  liquidationFeeFraction: 0.0100
            """;
        var json = """
            { "id": "raise-btc-mm", "kind": "standard", "description": "raise BTC-PERP maintenance margin",
              "changes": [ { "parameters": { "kind": "insurance", "maxPayoutPerEvent": 900000, "maxPayoutPerDay": 5000000, "liquidationFeeFraction": 0.01 } } ] }
            """;

        var fromYaml = GovCommand.ParseProposal(GovDocuments.YamlToJson(yaml, "p.yaml")).ToDraft(_ => 0);
        var fromJson = GovCommand.ParseProposal(json).ToDraft(_ => 0);

        fromYaml.Changes.ShouldHaveSingleItem().Parameters.ShouldBe(new InsuranceParameters(900_000m, 5_000_000m, 0.01m));
        ProposalCanonical.Digest(fromYaml).ShouldBe(ProposalCanonical.Digest(fromJson));
    }

    [Fact]
    public void a_quoted_yaml_decimal_is_read_exactly_and_a_word_where_a_number_belongs_is_refused_naming_the_field()
    {
        const string Yaml = "id: x\nkind: standard\ndescription: d\nchanges:\n  - parameters: { kind: insurance, maxPayoutPerEvent: '{0}', maxPayoutPerDay: 2, liquidationFeeFraction: 0 }\n";

        var exact = GovCommand.ParseProposal(GovDocuments.YamlToJson(Yaml.Replace("{0}", "0.10000000000000000001", StringComparison.Ordinal), "p.yaml"));
        var word = Should.Throw<GovCliException>(() => GovCommand.ParseProposal(GovDocuments.YamlToJson(Yaml.Replace("{0}", "lots", StringComparison.Ordinal), "p.yaml")));

        ((InsuranceParameters)exact.Changes[0].Parameters).MaxPayoutPerEvent.ShouldBe(0.10000000000000000001m);
        word.Message.ShouldContain("maxPayoutPerEvent");
    }

    [Fact]
    public void a_dev_keyring_governs_the_genesis_written_for_it_and_signs_as_its_governors()
    {
        var keys = Enumerable.Range(0, 3).Select(_ => NSec.Cryptography.Key.Create(NSec.Cryptography.SignatureAlgorithm.Ed25519,
            new NSec.Cryptography.KeyCreationParameters { ExportPolicy = NSec.Cryptography.KeyExportPolicies.AllowPlaintextExport })).ToArray();
        string Pair(NSec.Cryptography.Key k) =>
            $$"""{ "publicKey": "{{Convert.ToBase64String(k.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey))}}", "privateKey": "{{Convert.ToBase64String(k.Export(NSec.Cryptography.KeyBlobFormat.RawPrivateKey))}}" }""";
        var keyring = $$"""
            { "traders": {}, "operators": {},
              "publishers": { "pub-1": {{Pair(keys[0])}}, "pub-2": {{Pair(keys[1])}}, "pub-3": {{Pair(keys[2])}} },
              "governors": { "gov-1": {{Pair(keys[0])}}, "gov-2": {{Pair(keys[1])}}, "gov-3": {{Pair(keys[2])}} } }
            """;
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"keyring-{Guid.NewGuid():N}.json"));
        File.WriteAllText(file.FullName, keyring);

        var genesis = Domain.Genesis.GenesisDocument.Parse(GovCommand.WithKeyring(GovernanceWorld.GenesisText, keyring));
        var second = GovernorKeyFile.Read(file, "gov-2");
        file.Delete();

        genesis.Governance.Governors.Select(g => g.Id).ShouldBe(["gov-1", "gov-2", "gov-3"]);
        genesis.Parameters.OfType<OracleParameters>().Single().Publishers.Select(p => p.Id).ShouldBe(["pub-1", "pub-2", "pub-3"]);
        second.Governor.ShouldBe("gov-2");
        second.PublicKey.ShouldBe(genesis.Governance.Governors[1].PublicKey);
    }
}
