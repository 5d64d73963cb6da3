using Clearing.Cli.Commands;
using Clearing.Settlement.Domain.Proofs;

namespace Clearing.Settlement.Tests;

public sealed class ProofTests
{
    private static readonly byte[] Secret = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    private static MerkleSumTree Tree(int accounts, long epoch = 7) => MerkleSumTree.Build(
        epoch,
        "USDC",
        [.. Enumerable.Range(0, accounts).Select(i => new LiabilityLeafInput($"acct-{i}", i * 1.25m, i * 1.25m))],
        Secret);

    private static (int Exit, string Output, string Error) Cli(InclusionProof proof, string root)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = VerifyProofCommand.Run(InclusionProofJson.Serialize(proof), root, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(64)]
    [InlineData(100)]
    public void every_accounts_proof_verifies_against_the_root_in_the_domain_and_in_the_cli(int accounts)
    {
        var tree = Tree(accounts);
        tree.Total.ShouldBe(Enumerable.Range(0, accounts).Sum(i => i * 1.25m));
        for (var i = 0; i < accounts; i++)
        {
            var proof = tree.ProofFor($"acct-{i}")!;
            proof.Levels.Count.ShouldBe(tree.Height);
            ProofVerifier.Verify(proof, tree.RootHex).Valid.ShouldBeTrue();
            Cli(proof, tree.RootHex).Exit.ShouldBe(VerifyProofCommand.Valid);
        }
    }

    [Fact]
    public void a_proof_survives_its_json_round_trip()
    {
        var proof = Tree(9).ProofFor("acct-3")!;
        var again = InclusionProofJson.Parse(InclusionProofJson.Serialize(proof));
        again.Levels.ShouldBe(proof.Levels);
        (again with { Levels = proof.Levels }).ShouldBe(proof);
    }

    [Fact]
    public void altering_the_balance_fails_at_the_leaf()
    {
        var tree = Tree(10);
        var proof = tree.ProofFor("acct-4")! with { Liability = "5.01" };

        var verdict = ProofVerifier.Verify(proof, tree.RootHex);
        verdict.Valid.ShouldBeFalse();
        verdict.FailingLevel.ShouldBe(0);
        var cli = Cli(proof, tree.RootHex);
        cli.Exit.ShouldBe(VerifyProofCommand.Mismatch);
        cli.Error.ShouldContain("REFUSED at level 0 (leaf)");
    }

    [Fact]
    public void altering_the_balance_and_its_leaf_hash_fails_at_level_one()
    {
        var tree = Tree(10);
        var honest = tree.ProofFor("acct-4")!;
        var hash = new byte[32];
        ProofHashing.Leaf(Convert.FromHexString(honest.AccountHash), 500m, hash);
        var forged = honest with { Liability = "500", LeafHash = Convert.ToHexStringLower(hash) };

        ProofVerifier.Verify(forged, tree.RootHex).FailingLevel.ShouldBe(1);
        Cli(forged, tree.RootHex).Error.ShouldContain("REFUSED at level 1:");
    }

    [Fact]
    public void altering_any_sibling_hash_or_sum_fails_at_that_level()
    {
        var tree = Tree(37);
        var honest = tree.ProofFor("acct-11")!;
        for (var k = 0; k < honest.Levels.Count; k++)
        {
            var step = honest.Levels[k];
            var flipped = (step.SiblingHash[0] == '0' ? "1" : "0") + step.SiblingHash[1..];
            var changedHash = With(honest, k, step with { SiblingHash = flipped });
            var changedSum = With(honest, k, step with { SiblingSum = (decimal.Parse(step.SiblingSum, System.Globalization.CultureInfo.InvariantCulture) + 0.01m).ToString(System.Globalization.CultureInfo.InvariantCulture) });
            var negativeSum = With(honest, k, step with { SiblingSum = "-1" });

            foreach (var forged in new[] { changedHash, changedSum, negativeSum })
            {
                var verdict = ProofVerifier.Verify(forged, tree.RootHex);
                verdict.Valid.ShouldBeFalse();
                verdict.FailingLevel.ShouldBe(step.Level);
                var cli = Cli(forged, tree.RootHex);
                cli.Exit.ShouldBe(VerifyProofCommand.Mismatch);
                cli.Error.ShouldContain($"REFUSED at level {step.Level}:");
            }
        }
    }

    [Fact]
    public void a_consistently_rewritten_path_still_fails_at_the_root()
    {
        var tree = Tree(20);
        var honest = tree.ProofFor("acct-2")!;
        // Rewrite every claimed node from a larger balance: internally consistent, but it cannot reach the published root.
        var hash = new byte[32];
        ProofHashing.Leaf(Convert.FromHexString(honest.AccountHash), 999m, hash);
        var sum = 999m;
        var levels = new List<ProofStep>();
        foreach (var s in honest.Levels)
        {
            var sibling = Convert.FromHexString(s.SiblingHash);
            var siblingSum = decimal.Parse(s.SiblingSum, System.Globalization.CultureInfo.InvariantCulture);
            var next = new byte[32];
            if (s.SiblingSide == ProofSide.Right)
            {
                ProofHashing.Node(hash, sum, sibling, siblingSum, next);
            }
            else
            {
                ProofHashing.Node(sibling, siblingSum, hash, sum, next);
            }

            hash = next;
            sum += siblingSum;
            levels.Add(s with { NodeHash = Convert.ToHexStringLower(hash), NodeSum = ProofHashing.CanonicalText(sum) });
        }

        var forged = honest with { Liability = "999", LeafHash = levels.Count > 0 ? Convert.ToHexStringLower(hash) : honest.LeafHash, Levels = levels, Total = ProofHashing.CanonicalText(sum) };
        var leaf = new byte[32];
        ProofHashing.Leaf(Convert.FromHexString(honest.AccountHash), 999m, leaf);
        forged = forged with { LeafHash = Convert.ToHexStringLower(leaf) };

        var verdict = ProofVerifier.Verify(forged, tree.RootHex);
        verdict.FailingLevel.ShouldBe(tree.Height);
        verdict.Message.ShouldContain("(root)");
        Cli(forged, tree.RootHex).Error.ShouldContain($"REFUSED at level {tree.Height} (root)");
    }

    [Fact]
    public void a_proof_checked_against_another_root_fails_at_the_root()
    {
        var tree = Tree(8);
        var other = Tree(9);
        var verdict = ProofVerifier.Verify(tree.ProofFor("acct-1")!, other.RootHex);
        verdict.FailingLevel.ShouldBe(tree.Height);
        Cli(tree.ProofFor("acct-1")!, other.RootHex).Exit.ShouldBe(VerifyProofCommand.Mismatch);
    }

    [Fact]
    public void the_wrong_salt_fails_at_the_leaf()
    {
        var tree = Tree(8);
        var proof = tree.ProofFor("acct-1")! with { Salt = Convert.ToHexStringLower(new byte[32]) };
        ProofVerifier.Verify(proof, tree.RootHex).Message.ShouldContain("level 0 (leaf): account hash");
    }

    [Fact]
    public void leaves_are_keyed_by_salted_hashes_that_change_every_epoch_and_reveal_no_account_id()
    {
        var a = Tree(16, epoch: 1).ProofFor("acct-5")!;
        var b = Tree(16, epoch: 2).ProofFor("acct-5")!;
        a.AccountHash.ShouldNotBe(b.AccountHash);
        a.Salt.ShouldNotBe(b.Salt);
        InclusionProofJson.Serialize(a with { AccountId = "x", Salt = "00" }).ShouldNotContain("acct-");
    }

    [Fact]
    public void the_tree_is_the_same_whatever_order_the_accounts_come_in()
    {
        var leaves = Enumerable.Range(0, 50).Select(i => new LiabilityLeafInput($"acct-{i}", i, i)).ToList();
        var reversed = Enumerable.Reverse(leaves).ToList();
        MerkleSumTree.Build(3, "USDC", leaves, Secret).RootHex.ShouldBe(MerkleSumTree.Build(3, "USDC", reversed, Secret).RootHex);
    }

    [Fact]
    public void equal_amounts_with_different_scales_hash_alike()
    {
        var a = MerkleSumTree.Build(3, "USDC", [new LiabilityLeafInput("a", 1.5m, 1.5m), new LiabilityLeafInput("b", 2m, 2m)], Secret);
        var b = MerkleSumTree.Build(3, "USDC", [new LiabilityLeafInput("a", 1.50000m, 1.5m), new LiabilityLeafInput("b", 2.0m, 2m)], Secret);
        a.RootHex.ShouldBe(b.RootHex);
        a.Total.ToString(System.Globalization.CultureInfo.InvariantCulture).ShouldBe("3.5");
    }

    [Fact]
    public void an_empty_tree_has_a_padding_root_and_zero_total()
    {
        var tree = MerkleSumTree.Build(1, "USDC", [], Secret);
        tree.Total.ShouldBe(0m);
        tree.Height.ShouldBe(0);
        tree.RootHex.ShouldBe(Convert.ToHexStringLower(ProofHashing.Padding(0)));
        tree.ProofFor("anyone").ShouldBeNull();
    }

    [Fact]
    public void negative_liabilities_duplicate_accounts_and_short_secrets_are_refused()
    {
        Should.Throw<ArgumentException>(() => MerkleSumTree.Build(1, "USDC", [new LiabilityLeafInput("a", -1m, -1m)], Secret)).Message.ShouldContain("never negative");
        Should.Throw<ArgumentException>(() => MerkleSumTree.Build(1, "USDC", [new LiabilityLeafInput("a", 1m, 1m), new LiabilityLeafInput("a", 2m, 2m)], Secret)).Message.ShouldContain("appears twice");
        Should.Throw<ArgumentException>(() => MerkleSumTree.Build(1, "USDC", [], new byte[8])).Message.ShouldContain("at least 16 bytes");
    }

    [Fact]
    public void the_cli_refuses_unreadable_input_with_exit_code_two()
    {
        var tree = Tree(4);
        var output = new StringWriter();
        var error = new StringWriter();
        VerifyProofCommand.Run("{ not json", tree.RootHex, output, error).ShouldBe(VerifyProofCommand.BadInput);
        error.ToString().ShouldContain("--proof: not a readable inclusion proof");

        error = new StringWriter();
        VerifyProofCommand.Run(InclusionProofJson.Serialize(tree.ProofFor("acct-1")!), "abc", output, error).ShouldBe(VerifyProofCommand.BadInput);
        error.ToString().ShouldContain("--root: 'abc' is not a 32-byte hex hash");
    }

    [Fact]
    public void the_cli_command_reads_the_proof_file_and_sets_the_exit_code()
    {
        var tree = Tree(6);
        var path = Path.Combine(Path.GetTempPath(), $"proof-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, InclusionProofJson.Serialize(tree.ProofFor("acct-2")!));
        try
        {
            Invoke("--root", tree.RootHex, "--proof", path).Exit.ShouldBe(0);
            Invoke("--root", tree.RootHex, "--proof", path).Output.ShouldContain("OK: account acct-2 holds 2.5 USDC in epoch 7");
            var wrong = Invoke("--root", Tree(7).RootHex, "--proof", path);
            wrong.Exit.ShouldBe(1);
            wrong.Error.ShouldContain($"REFUSED at level {tree.Height} (root)");
            Invoke("--root", tree.RootHex, "--proof", path + ".missing").Exit.ShouldBe(2);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int Exit, string Output, string Error) Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = VerifyProofCommand.Create().Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private static InclusionProof With(InclusionProof proof, int index, ProofStep step)
    {
        var levels = proof.Levels.ToList();
        levels[index] = step;
        return proof with { Levels = levels };
    }
}

public sealed class SaltTests
{
    [Fact]
    public void the_allocation_free_salt_is_the_documented_hmac()
    {
        var secret = Enumerable.Range(0, 32).Select(i => (byte)(i * 7)).ToArray();
        var expected = System.Security.Cryptography.HMACSHA256.HashData(secret, System.Text.Encoding.UTF8.GetBytes("clearing.settlement.salt.v1\n12\nUSDC\nacct-é"));
        ProofHashing.Salt(secret, 12, "USDC", "acct-é").ShouldBe(expected);

        var longSecret = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var expectedLong = System.Security.Cryptography.HMACSHA256.HashData(longSecret, System.Text.Encoding.UTF8.GetBytes("clearing.settlement.salt.v1\n-1\nBTC\nx"));
        ProofHashing.Salt(longSecret, -1, "BTC", "x").ShouldBe(expectedLong);
    }
}
