using Clearing.Governance.Application;
using Clearing.Governance.Domain.Proposals;
using Clearing.Parameters;

namespace Clearing.Cli.Tests;

/// <summary>`clearing replay governance` time travel over a parameter set and a proposal, with governance's own events and serializer.</summary>
public sealed class ReplayGovernanceTests : IAsyncLifetime
{
    private const string Params = "params-market-BTC-PERP";
    private const string ProposalStream = "proposal-p-1";

    private readonly ReplayModuleStore _store = new("governance");
    private long _genesis;
    private long _created;
    private DateTimeOffset _beforeExecution;

    private static MarketParameters Btc(decimal taker) => new(
        "BTC-PERP", [new MarginTier(1_000_000m, 0.02m, 0.012m), new MarginTier(null, 0.2m, 0.12m)], 0.05m, 0.0001m, taker, 0.006m, 3600, false);

    public async Task InitializeAsync()
    {
        var serializer = GovernanceStore.Serializer;
        var t0 = ReplayModuleStore.T0;
        FieldChange[] takerUp = [new FieldChange("takerFee", "0.0005", "0.0007", ChangeDirection.Tightening)];
        _genesis = await _store.AppendAsync(Params, serializer,
            new ParametersChanged("market-BTC-PERP", Btc(0.0005m), t0, t0, "genesis", ChangeCause.Genesis, []));
        _created = await _store.AppendAsync(ProposalStream, serializer, new ProposalCreated("p-1", ProposalKind.Standard, "raise the taker fee",
            [new ProposedChange("market-BTC-PERP", 0, Btc(0.0007m))], null, takerUp, ChangeDirection.Tightening, "digest", "gov-1", "sig-1", 2, 60, _store.Now, _store.Now.AddDays(7)));
        await _store.AppendAsync(ProposalStream, serializer,
            new ProposalApproved("p-1", "gov-2", "sig-2", _store.Now),
            new ProposalQueued("p-1", _store.Now, _store.Now.AddMinutes(1)));
        _beforeExecution = _store.Now;
        await _store.AppendAsync(ProposalStream, serializer, new ProposalExecuted("p-1", _store.Now, _store.Now));
        await _store.AppendAsync(Params, serializer,
            new ParametersChanged("market-BTC-PERP", Btc(0.0007m), _store.Now, _store.Now, "p-1", ChangeCause.Proposal, takerUp));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task a_parameter_set_shows_the_genesis_fee_before_the_proposal_and_the_new_fee_after()
    {
        var genesis = await _store.StateAsync(Params, atVersion: _genesis);
        var now = await _store.StateAsync(Params);

        genesis["version"]!.GetValue<long>().ShouldBe(0);
        ReplayModuleStore.Decimal(genesis["latest"]!["parameters"]!["takerFee"]).ShouldBe(0.0005m);
        now["version"]!.GetValue<long>().ShouldBe(1);
        ReplayModuleStore.Decimal(now["latest"]!["parameters"]!["takerFee"]).ShouldBe(0.0007m);
        now["latest"]!["proposalId"]!.GetValue<string>().ShouldBe("p-1");
    }

    [Fact]
    public async Task a_proposal_shows_its_approvals_and_status_as_it_went_from_open_to_executed()
    {
        var created = await _store.StateAsync(ProposalStream, atVersion: _created);
        var queued = await _store.StateAsync(ProposalStream, atTime: _beforeExecution);
        var executed = await _store.StateAsync(ProposalStream);

        created["status"]!.GetValue<string>().ShouldBe("Open");
        created["approvals"]!.AsObject().Select(a => a.Key).ShouldBe(["gov-1"]);
        created["missingApprovals"]!.GetValue<int>().ShouldBe(1);
        queued["status"]!.GetValue<string>().ShouldBe("Queued");
        queued["missingApprovals"]!.GetValue<int>().ShouldBe(0);
        executed["status"]!.GetValue<string>().ShouldBe("Executed");
        executed["id"]!.GetValue<string>().ShouldBe("p-1");
    }
}
