using Clearing.Vault.Application;
using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Cli.Tests;

/// <summary>`clearing replay vault` time travel over vault-hlp, with the vault's own events: an LP deposits, then withdraws part.</summary>
public sealed class ReplayVaultTests : IAsyncLifetime
{
    private const string Stream = "vault-hlp";

    private readonly ReplayModuleStore _store = new("vault");
    private long _deposited;
    private long _requested;
    private DateTimeOffset _beforePayout;

    public async Task InitializeAsync()
    {
        var serializer = VaultJsonContext.Serializer;
        _deposited = await _store.AppendAsync(Stream, serializer, new VaultDeposited("hlp", "lp-1", "dep-1", 10_000m, 10_000m, 0m, 0m, _store.Now,
            [new VaultPosting("lp-1", "USDC", -10_000m), new VaultPosting("vault-hlp", "USDC", 10_000m)], new MessageSource("ledger", 1)));
        _requested = await _store.AppendAsync(Stream, serializer, new WithdrawalRequested("hlp", "w-1", "lp-1", 4_000m, _store.Now, _store.Now.AddDays(1)));
        _beforePayout = _store.Now;
        await _store.AppendAsync(Stream, serializer, new WithdrawalPaid("hlp", "w-1", "lp-1", 4_000m, 4_000m, 10_000m, 10_000m, _store.Now,
            [new VaultPosting("vault-hlp", "USDC", -4_000m), new VaultPosting("lp-1", "USDC", 4_000m)]));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task the_vault_shows_an_lps_shares_locked_by_a_withdrawal_request_and_gone_once_paid()
    {
        var deposited = await _store.StateAsync(Stream, atVersion: _deposited);
        var requested = await _store.StateAsync(Stream, atVersion: _requested);
        var paid = await _store.StateAsync(Stream);

        ReplayModuleStore.Decimal(deposited["collateral"]).ShouldBe(10_000m);
        ReplayModuleStore.Decimal(deposited["totalShares"]).ShouldBe(10_000m);
        ReplayModuleStore.Decimal(requested["holdings"]!["lp-1"]!["locked"]).ShouldBe(4_000m);
        requested["withdrawals"]!["w-1"].ShouldNotBeNull();
        ReplayModuleStore.Decimal(paid["collateral"]).ShouldBe(6_000m);
        ReplayModuleStore.Decimal(paid["totalShares"]).ShouldBe(6_000m);
        ReplayModuleStore.Decimal(paid["holdings"]!["lp-1"]!["shares"]).ShouldBe(6_000m);
        ReplayModuleStore.Decimal(paid["holdings"]!["lp-1"]!["withdrawn"]).ShouldBe(4_000m);
        paid["withdrawals"]!.AsObject().ShouldBeEmpty();
    }

    [Fact]
    public async Task the_vault_as_of_a_time_before_the_payout_still_holds_the_collateral()
    {
        var state = await _store.StateAsync(Stream, atTime: _beforePayout);

        ReplayModuleStore.Decimal(state["collateral"]).ShouldBe(10_000m);
        state["withdrawalRequests"]!.GetValue<int>().ShouldBe(1);
    }
}
