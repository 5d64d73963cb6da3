using Clearing.EventSourcing;
using Clearing.Vault.Domain;
using Clearing.Vault.Domain.Accounting;

namespace Clearing.Vault.Application;

/// <summary>
/// Runs the pure vault books against the event store, stream "vault-{id}". One gate serializes every decision, so a
/// payout priced at the NAV always sees every fill, takeover, fee income and funding payment booked before it; marks come from the oracle view and each
/// event records the NAV it used.
/// </summary>
public sealed class VaultLedger(IEventStore store, VaultRules rules, MarketPrices prices, TimeProvider time, Integration.VaultParametersGateway? caps = null)
{
    public const string Category = "vault";

    private static readonly AggregateDefinition<VaultState> Definition =
        new(Category, VaultState.Empty(string.Empty), VaultBook.Evolve) { SnapshotEvery = 500 };

    private readonly AggregateRepository<VaultState> _repository = new(store, VaultJsonContext.Serializer, Definition);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _lastNav = DateTimeOffset.MinValue;

    public VaultRules Rules => rules;

    public IEventStore Store => store;

    public string StreamId => _repository.StreamIdOf(rules.VaultId);

    /// <summary>A VAULT_DEPOSIT entry read from margin's ledger: shares at the NAV now, or the deposit returned (VaultBook.OnDepositBooked).</summary>
    public Task<IReadOnlyList<object>> OnDepositBookedAsync(DepositInput deposit, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnDepositBooked(s, rules, deposit, prices.Marks, caps is null ? null : (st, d) => caps.DepositRefusal(st, d.Lp, d.Amount, d.Reference, d.At)), cancellationToken);

    public Task<IReadOnlyList<object>> RequestWithdrawalAsync(string lp, decimal shares, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.RequestWithdrawal(s, rules, lp, shares, time.GetUtcNow()), cancellationToken);

    public Task<IReadOnlyList<object>> CancelWithdrawalAsync(string lp, string withdrawalId, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.CancelWithdrawal(s, withdrawalId, lp, time.GetUtcNow()), cancellationToken);

    /// <summary>One of the vault's own quotes traded (a fill naming its account); other fills do not touch its stream.</summary>
    public Task<IReadOnlyList<object>> OnFillAsync(VaultFillInput fill, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnFill(s, rules, fill), cancellationToken);

    /// <summary>A FEE_DISTRIBUTION entry read from margin's ledger crediting the vault's account: fee income that is already money.</summary>
    public Task<IReadOnlyList<object>> OnFeeIncomeAsync(FeeIncomeInput income, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnFeeIncome(s, rules, income), cancellationToken);

    /// <summary>A FUNDING entry read from margin's ledger with a posting on the vault's account: funding paid or received, already money.</summary>
    public Task<IReadOnlyList<object>> OnFundingAsync(FundingInput funding, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnFunding(s, rules, funding), cancellationToken);

    /// <summary>A LIQUIDATION_FEE entry read from margin's ledger debiting the vault's account (the vault itself was liquidated).</summary>
    public Task<IReadOnlyList<object>> OnLiquidationFeeAsync(LiquidationFeeInput fee, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnLiquidationFee(s, rules, fee), cancellationToken);

    /// <summary>Settlement fixed an expiry price: a position the vault holds in that market closes at its value.</summary>
    public Task<IReadOnlyList<object>> OnExpiryAsync(ExpiryInput expiry, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnExpiry(s, rules, expiry), cancellationToken);

    /// <summary>Liquidation closed one of the vault's positions outside the book (ADL, or the fund taking over the vault's own position).</summary>
    public Task<IReadOnlyList<object>> OnForcedCloseAsync(ForcedCloseInput close, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnForcedClose(s, rules, close), cancellationToken);

    /// <summary>An INSURANCE_TRANSFER entry from the fund crediting the vault's account (a deficit covered).</summary>
    public Task<IReadOnlyList<object>> OnDeficitCoverAsync(DeficitCoverInput cover, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnDeficitCover(s, rules, cover), cancellationToken);

    public Task<IReadOnlyList<object>> OnTakeoverAsync(TakeoverInput takeover, CancellationToken cancellationToken) =>
        Execute(s => VaultBook.OnTakeover(s, rules, takeover), cancellationToken);

    /// <summary>The clock: pays due withdrawals, settles owed fees, and records a NAV point every <paramref name="navInterval"/>.</summary>
    public async Task<int> TickAsync(TimeSpan navInterval, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var marks = prices.Marks;
        var decided = (await Execute(s => VaultBook.Advance(s, rules, marks, now), cancellationToken)).Count;
        decided += (await Execute(s => VaultBook.PayFees(s, rules, now), cancellationToken)).Count;
        if (now - _lastNav >= navInterval)
        {
            var state = (await LoadAsync(cancellationToken)).State;
            if (state.TotalShares > 0 && state.Positions.All(p => p.Value.Size == 0 || marks.ContainsKey(p.Key)))
            {
                decided += (await Execute(s => VaultBook.StrikeNav(s, marks, now), cancellationToken)).Count;
            }

            _lastNav = now;
        }

        return decided;
    }

    public async Task<Loaded<VaultState>> LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var loaded = await _repository.LoadAsync(rules.VaultId, cancellationToken);
            return loaded with { State = Named(loaded.State) };
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<object>> Execute(Func<VaultState, IReadOnlyList<object>> decide, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await _repository.ExecuteAsync(rules.VaultId, s => decide(Named(s)), cancellationToken: cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private VaultState Named(VaultState state) => state.VaultId.Length == 0 ? state with { VaultId = rules.VaultId, Asset = rules.Asset } : state;
}
