using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Governance.Tests;

public sealed class ProposalTests
{
    private static MarketParameters RaiseMaintenance(MarketParameters market, decimal by) =>
        market with { MarginTiers = market.MarginTiers.Select(t => t with { MaintenanceMarginFraction = t.MaintenanceMarginFraction + by }).ToList() };

    [Fact]
    public void a_change_with_one_signature_fewer_than_the_quorum_never_executes()
    {
        // 3 of 5: every pair of distinct governors (proposer + one approver) is one short, whoever they are.
        for (var proposer = 0; proposer < 5; proposer++)
        {
            for (var approver = 0; approver < 5; approver++)
            {
                if (approver == proposer)
                {
                    continue;
                }

                var world = GovernanceWorld.Create(governors: 5, quorum: 3);
                var proposal = world.Proposed(world.Draft($"p-{proposer}-{approver}", RaiseMaintenance(world.BtcPerp, 0.001m)), proposer);
                proposal = world.Approve(proposal, approver).State;
                proposal.Status.ShouldBe(ProposalStatus.Open);

                foreach (var later in new[] { TimeSpan.Zero, TimeSpan.FromHours(1), TimeSpan.FromDays(6.9), TimeSpan.FromDays(400) })
                {
                    world.Now = GovernanceWorld.Start + later;
                    var (_, decision) = world.Execute(proposal);
                    decision.Refusal.ShouldNotBeNull();
                    decision.RegistryChanges.ShouldBeEmpty();
                }

                world.Book.VersionOf("market-BTC-PERP").ShouldBe(0);
            }
        }
    }

    [Fact]
    public void execution_with_one_approval_missing_says_how_many_are_needed()
    {
        var world = GovernanceWorld.Create(governors: 5, quorum: 3);
        var proposal = world.Approve(world.Proposed(world.Draft("short", RaiseMaintenance(world.BtcPerp, 0.001m))), 1).State;

        var (_, decision) = world.Execute(proposal);

        decision.Refusal!.Kind.ShouldBe(RefusalKind.NotNow);
        decision.Refusal.Message.ShouldBe("proposal short has 2 of 3 approvals; it needs 1 more before it can be queued");
    }

    [Fact]
    public void a_duplicated_signer_counts_once()
    {
        var world = GovernanceWorld.Create(governors: 5, quorum: 3);
        var proposal = world.Proposed(world.Draft("dup", RaiseMaintenance(world.BtcPerp, 0.001m)));

        var (afterProposerAgain, proposerAgain) = world.Approve(proposal, 0);
        var (afterSecond, second) = world.Approve(afterProposerAgain, 1);
        var (afterSecondAgain, secondAgain) = world.Approve(afterSecond, 1);

        proposerAgain.Events.ShouldBeEmpty();
        proposerAgain.Outcome.ShouldBe("already approved by g1 (a signer counts once: 1 of 3)");
        second.Outcome.ShouldBe("approved (2 of 3)");
        secondAgain.Events.ShouldBeEmpty();
        afterSecondAgain.Approvals.Count.ShouldBe(2);
        afterSecondAgain.Status.ShouldBe(ProposalStatus.Open);
        world.Approve(afterSecondAgain, 2).State.Status.ShouldBe(ProposalStatus.Queued);
    }

    [Fact]
    public void an_approval_signed_for_another_proposal_or_by_a_stranger_is_refused()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        var proposal = world.Proposed(world.Draft("target", RaiseMaintenance(world.BtcPerp, 0.001m)));
        var other = world.Draft("other", RaiseMaintenance(world.BtcPerp, 0.002m));

        var replayed = ProposalDecisions.Approve(world.Rules, proposal, "g2", world.Sign(1, ProposalCanonical.Approve, other.Id, ProposalCanonical.Digest(other)), world.Now);
        var asCancel = ProposalDecisions.Approve(world.Rules, proposal, "g2", world.Sign(1, ProposalCanonical.Cancel, proposal.Id, proposal.Created.Digest), world.Now);
        var stranger = ProposalDecisions.Approve(world.Rules, proposal, "mallory", world.Sign(1, ProposalCanonical.Approve, proposal.Id, proposal.Created.Digest), world.Now);

        replayed.Refusal!.Kind.ShouldBe(RefusalKind.NotAuthorized);
        asCancel.Refusal!.Kind.ShouldBe(RefusalKind.NotAuthorized);
        stranger.Refusal!.Message.ShouldBe("'mallory' is not a registered governor");
    }

    [Fact]
    public void execution_before_the_timelock_is_refused_with_the_time_remaining()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        var proposal = world.Approve(world.Proposed(world.Draft("raise", RaiseMaintenance(world.BtcPerp, 0.001m))), 1).State;
        proposal.Status.ShouldBe(ProposalStatus.Queued);
        proposal.ExecutableAt.ShouldBe(GovernanceWorld.Start.AddHours(1));

        world.Now = GovernanceWorld.Start.AddMinutes(58).AddSeconds(30);
        var (_, early) = world.Execute(proposal);

        early.Refusal!.Kind.ShouldBe(RefusalKind.NotNow);
        early.Refusal.Message.ShouldBe($"timelock: proposal raise is executable at {GovernanceWorld.Start.AddHours(1):O}, 1 min 30 s from now");
        world.Book.VersionOf("market-BTC-PERP").ShouldBe(0);

        world.Now = GovernanceWorld.Start.AddHours(1);
        var (executed, onTime) = world.Execute(proposal);
        onTime.Refusal.ShouldBeNull();
        executed.Status.ShouldBe(ProposalStatus.Executed);
        world.Book.VersionOf("market-BTC-PERP").ShouldBe(1);
    }

    [Fact]
    public void lowering_margin_waits_the_loosening_timelock_and_raising_it_the_tightening_one()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);

        var lower = world.Proposed(world.Draft("lower", RaiseMaintenance(world.BtcPerp, -0.001m)));
        var raise = world.Proposed(world.Draft("raise", RaiseMaintenance(world.BtcPerp, 0.001m)));

        lower.Created.Direction.ShouldBe(ChangeDirection.Loosening);
        lower.Created.TimelockSeconds.ShouldBe(172_800);
        lower.Created.FieldChanges.ShouldContain(new FieldChange("market-BTC-PERP.marginTiers[0].maintenanceMarginFraction", "0.012", "0.011", ChangeDirection.Loosening));
        raise.Created.Direction.ShouldBe(ChangeDirection.Tightening);
        raise.Created.TimelockSeconds.ShouldBe(3_600);
    }

    [Fact]
    public void moving_a_tier_bound_up_counts_as_loosening()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        var market = world.BtcPerp;
        var wider = market with { MarginTiers = [market.MarginTiers[0] with { UpToNotional = 2_000_000m }, .. market.MarginTiers.Skip(1)] };

        var proposal = world.Proposed(world.Draft("wider-first-tier", wider));

        proposal.Created.Direction.ShouldBe(ChangeDirection.Loosening);
        proposal.Created.FieldChanges.ShouldHaveSingleItem().Field.ShouldBe("market-BTC-PERP.marginTiers");
    }

    [Fact]
    public void an_emergency_quorum_cannot_lower_a_margin_fraction()
    {
        var world = GovernanceWorld.Create(governors: 5, quorum: 3, emergencyQuorum: 2);

        var decision = world.Propose(world.Draft("emergency-lower", RaiseMaintenance(world.BtcPerp, -0.001m), ProposalKind.Emergency));

        decision.Events.ShouldBeEmpty();
        decision.Refusal!.Kind.ShouldBe(RefusalKind.Invalid);
        decision.Refusal.Reasons.ShouldContain(
            "an emergency action may only tighten: market-BTC-PERP.marginTiers[0].maintenanceMarginFraction 0.012 → 0.011 loosens; propose it as a standard proposal with its timelock");
    }

    [Fact]
    public void an_emergency_margin_raise_executes_at_once_with_the_emergency_quorum()
    {
        var world = GovernanceWorld.Create(governors: 5, quorum: 3, emergencyQuorum: 2);
        var proposal = world.Proposed(world.Draft("emergency-raise", RaiseMaintenance(world.BtcPerp, 0.003m), ProposalKind.Emergency));
        proposal.Created.RequiredApprovals.ShouldBe(2);
        proposal.Created.TimelockSeconds.ShouldBe(0);

        proposal = world.Approve(proposal, 1).State;
        var (executed, decision) = world.Execute(proposal);

        decision.Refusal.ShouldBeNull();
        executed.Executed!.EffectiveAt.ShouldBe(world.Now);
        world.Book.Market("BTC-PERP", world.Now)!.MarginTiers[0].MaintenanceMarginFraction.ShouldBe(0.015m);
        world.Book.History("market-BTC-PERP")!.Latest.Cause.ShouldBe(Clearing.Parameters.ChangeCause.Emergency);
    }

    [Fact]
    public void halting_a_market_and_pulling_a_publisher_are_emergency_actions_but_resuming_and_fee_cuts_are_not()
    {
        var world = GovernanceWorld.Create(governors: 5, quorum: 3, emergencyQuorum: 2);

        world.Propose(world.Draft("halt", world.BtcPerp with { Halted = true }, ProposalKind.Emergency)).Refusal.ShouldBeNull();
        world.Propose(world.Draft("pull", world.Oracle with { Publishers = world.Oracle.Publishers.Take(4).ToList() }, ProposalKind.Emergency)).Refusal.ShouldBeNull();

        var fees = world.Propose(world.Draft("fees", world.BtcPerp with { TakerFee = 0.0006m }, ProposalKind.Emergency));
        fees.Refusal!.Reasons.ShouldBe(["market-BTC-PERP.takerFee cannot change by emergency action; emergency actions halt a market, pull an oracle publisher or raise margin"]);

        var halted = world.Enact(world.Draft("halt-standard", world.BtcPerp with { Halted = true }));
        halted.Status.ShouldBe(ProposalStatus.Executed);
        var resume = world.Propose(world.Draft("resume", world.BtcPerp with { Halted = false }, ProposalKind.Emergency));
        resume.Refusal!.Reasons.ShouldBe(["an emergency action may only tighten: market-BTC-PERP.halted true → false loosens; propose it as a standard proposal with its timelock"]);
    }

    [Fact]
    public void a_proposal_written_against_an_older_version_is_refused_at_execution()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        var first = world.Approve(world.Proposed(world.Draft("first", RaiseMaintenance(world.BtcPerp, 0.001m))), 1).State;
        var second = world.Approve(world.Proposed(world.Draft("second", world.BtcPerp with { PriceBandFraction = 0.04m })), 1).State;
        world.Now = world.Now.AddHours(1);
        world.Execute(first).Decision.Refusal.ShouldBeNull();

        var (_, stale) = world.Execute(second);

        stale.Refusal!.Message.ShouldBe("params-market-BTC-PERP is at version 1 but the proposal was written against version 0: cancel it and propose again on the current value");
    }

    [Fact]
    public void an_unapproved_proposal_expires_and_records_it()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        var proposal = world.Proposed(world.Draft("slow", RaiseMaintenance(world.BtcPerp, 0.001m)));
        world.Now = proposal.Created.ExpiresAt;

        var (state, decision) = world.Approve(proposal, 1);

        decision.Refusal!.Message.ShouldStartWith("proposal slow expired at");
        decision.Events.ShouldHaveSingleItem().ShouldBeOfType<ProposalExpired>();
        state.Status.ShouldBe(ProposalStatus.Expired);
        world.Execute(state).Decision.Refusal.ShouldNotBeNull();
    }

    [Fact]
    public void a_cancelled_proposal_cannot_be_executed()
    {
        var world = GovernanceWorld.Create(governors: 3, quorum: 2);
        var proposal = world.Approve(world.Proposed(world.Draft("cancel-me", RaiseMaintenance(world.BtcPerp, 0.001m))), 1).State;

        var cancel = ProposalDecisions.Cancel(world.Rules, proposal, "g3", world.Sign(2, ProposalCanonical.Cancel, proposal.Id, proposal.Created.Digest), "wrong tier", world.Now);
        var cancelled = proposal.Evolve(cancel.Events.ShouldHaveSingleItem());
        world.Now = world.Now.AddDays(1);

        cancelled.Status.ShouldBe(ProposalStatus.Cancelled);
        world.Execute(cancelled).Decision.Refusal!.Message.ShouldBe("proposal cancel-me was cancelled by g3: wrong tier");
    }

    [Fact]
    public void the_digest_does_not_depend_on_trailing_zeros_or_change_order()
    {
        var world = GovernanceWorld.Create();
        var market = RaiseMaintenance(world.BtcPerp, 0.001m);
        var padded = market with { PriceBandFraction = 0.0500m, MakerFee = 0.000100m };
        var a = new ProposalDraft("x", ProposalKind.Standard, "d", [new("market-BTC-PERP", 0, market), new("oracle", 0, world.Oracle with { Quorum = 4 })], null);
        var b = new ProposalDraft("x", ProposalKind.Standard, "d", [new("oracle", 0, world.Oracle with { Quorum = 4 }), new("market-BTC-PERP", 0, padded)], null);

        ProposalCanonical.Digest(b).ShouldBe(ProposalCanonical.Digest(a));
        ProposalCanonical.Digest(a with { Description = "e" }).ShouldNotBe(ProposalCanonical.Digest(a));
    }
}
