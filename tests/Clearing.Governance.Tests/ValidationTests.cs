using Clearing.Governance.Domain.Genesis;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Governance.Tests;

/// <summary>Invalid proposals are refused at creation, with every reason, and nothing is written.</summary>
public sealed class ValidationTests
{
    [Fact]
    public void maintenance_margin_above_initial_is_refused_at_creation()
    {
        var world = GovernanceWorld.Create();
        var market = world.BtcPerp;
        var broken = market with { MarginTiers = [market.MarginTiers[0] with { MaintenanceMarginFraction = 0.025m }, .. market.MarginTiers.Skip(1)] };

        var decision = world.Propose(world.Draft("mm-above-im", broken));

        decision.Events.ShouldBeEmpty();
        decision.Refusal!.Kind.ShouldBe(RefusalKind.Invalid);
        decision.Refusal.Reasons.ShouldBe([
            "market-BTC-PERP: marginTiers[0].maintenanceMarginFraction 0.025 is not below initialMarginFraction 0.02: maintenance must be below initial, or a new position would be liquidatable at once",
        ]);
    }

    [Fact]
    public void a_quorum_larger_than_the_publisher_set_is_refused_at_creation()
    {
        var world = GovernanceWorld.Create();

        var decision = world.Propose(world.Draft("quorum-6", world.Oracle with { Quorum = 6 }));

        decision.Refusal!.Reasons.ShouldBe(["oracle: quorum 6 is larger than the publisher set (5): no price could ever be accepted"]);
    }

    [Fact]
    public void a_maker_rebate_beyond_the_fee_schedule_bound_is_refused_at_creation()
    {
        var world = GovernanceWorld.Create();

        var decision = world.Propose(world.Draft("big-rebate", world.BtcPerp with { MakerFee = -0.0002m }));

        decision.Refusal!.Reasons.ShouldBe(["market-BTC-PERP: makerFee -0.0002 is a rebate beyond the fee schedule's maxMakerRebate 0.00011"]);
    }

    [Fact]
    public void lowering_the_rebate_bound_below_a_tier_that_pays_it_is_refused_with_the_tier_named()
    {
        var world = GovernanceWorld.Create();
        var fees = (FeeSchedule)world.Book.History("fees")!.Latest.Parameters;

        var decision = world.Propose(world.Draft("no-rebates", fees with { MaxMakerRebate = 0m }));

        decision.Refusal!.Reasons.ShouldBe([
            "fees: tiers[4].makerFee -0.00002 is a rebate beyond maxMakerRebate 0",
            "fees: tiers[5].makerFee -0.00005 is a rebate beyond maxMakerRebate 0",
            "fees: tiers[6].makerFee -0.00007 is a rebate beyond maxMakerRebate 0",
            "fees: tiers[7].makerFee -0.00009 is a rebate beyond maxMakerRebate 0",
            "fees: tiers[8].makerFee -0.00011 is a rebate beyond maxMakerRebate 0",
        ]);
    }

    [Fact]
    public void every_broken_rule_is_listed_not_only_the_first()
    {
        var world = GovernanceWorld.Create();
        var broken = world.BtcPerp with { PriceBandFraction = 0m, TakerFee = 0.02m, FundingIntervalSeconds = 7_000 };

        var decision = world.Propose(world.Draft("many", broken));

        decision.Refusal!.Reasons.ShouldBe([
            "market-BTC-PERP: priceBandFraction is 0; it must be above 0 and at most 0.5",
            "market-BTC-PERP: takerFee is 0.02; it must be at least 0 and at most 0.01",
            "market-BTC-PERP: fundingIntervalSeconds 7000 must divide a day (86400) so funding boundaries fall at the same UTC times every day",
        ]);
    }

    [Fact]
    public void a_proposal_that_changes_nothing_is_refused()
    {
        var world = GovernanceWorld.Create();

        world.Propose(world.Draft("noop", world.BtcPerp)).Refusal!.Reasons.ShouldBe(["the proposal changes nothing in market-BTC-PERP"]);
    }

    [Fact]
    public void a_wrong_base_version_or_an_unknown_set_is_refused()
    {
        var world = GovernanceWorld.Create();
        var stale = new ProposalDraft("stale", ProposalKind.Standard, "d", [new("market-BTC-PERP", 3, world.BtcPerp with { PriceBandFraction = 0.04m })], null);
        var wrongSet = new ProposalDraft("wrong-set", ProposalKind.Standard, "d", [new("market-ETH-PERP", 0, world.BtcPerp with { PriceBandFraction = 0.04m })], null);

        world.Propose(stale).Refusal!.Reasons.ShouldBe(["params-market-BTC-PERP is at version 0; the proposal says baseVersion 3 (write it against the current value)"]);
        world.Propose(wrongSet).Refusal!.Reasons.ShouldBe(["set 'market-ETH-PERP' holds parameters of 'market-BTC-PERP'"]);
    }

    [Fact]
    public void a_proposer_who_is_not_a_governor_or_whose_signature_fails_is_refused()
    {
        var world = GovernanceWorld.Create();
        var draft = world.Draft("who", world.BtcPerp with { PriceBandFraction = 0.04m });

        var stranger = ProposalDecisions.Create(world.Rules, world.Book, draft, "mallory", world.Sign(0, ProposalCanonical.Approve, draft.Id, ProposalCanonical.Digest(draft)), world.Now);
        var forged = ProposalDecisions.Create(world.Rules, world.Book, draft, "g2", world.Sign(0, ProposalCanonical.Approve, draft.Id, ProposalCanonical.Digest(draft)), world.Now);

        stranger.Refusal!.Kind.ShouldBe(RefusalKind.NotAuthorized);
        forged.Refusal!.Kind.ShouldBe(RefusalKind.NotAuthorized);
        forged.Refusal.Message.ShouldStartWith("the signature does not verify with g2's key over proposal who");
    }

    [Fact]
    public void the_development_genesis_is_valid()
    {
        var genesis = GenesisDocument.Parse(GovernanceWorld.GenesisText);

        genesis.Parameters.Select(p => p.SetId).ShouldBe(["market-BTC-PERP", "market-ETH-PERP", "market-BTC-26MAR27", "oracle", "fees", "insurance", "vault"]);
        genesis.Rules().Quorum.ShouldBe(2);
        genesis.Governance.Governors.Select(g => g.PublicKey).ShouldBe(
            Enumerable.Range(1, DevelopmentKeys.GovernorCount).Select(i => Convert.ToBase64String(DevelopmentKeys.Governor(i).PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey))));
    }

    [Fact]
    public void an_invalid_genesis_is_refused_with_every_reason()
    {
        var text = GovernanceWorld.GenesisText
            .Replace("\"quorum\": 2,", "\"quorum\": 4,", StringComparison.Ordinal)
            .Replace("\"quorum\": 3,", "\"quorum\": 9,", StringComparison.Ordinal);

        var refusal = Should.Throw<GenesisException>(() => GenesisDocument.Parse(text));

        refusal.Reasons.ShouldBe([
            "governance.quorum is 4; it must be between 1 and the number of governors (3)",
            "oracle: quorum 9 is larger than the publisher set (5): no price could ever be accepted",
        ]);
    }

    [Fact]
    public void a_misspelt_field_in_a_proposal_file_is_refused()
    {
        var json = """{ "id": "x", "kind": "standard", "description": "d", "changes": [ { "parameters": { "kind": "insurance", "maxPayoutPerEvent": 1, "maxPayoutPerDay": 2, "liquidationFee": 0.01 } } ] }""";

        Should.Throw<FormatException>(() => ProposalDocument.Parse(json)).Message.ShouldContain("liquidationFee");
    }
}
