namespace Clearing.Vault.Domain.Accounting;

/// <summary>
/// The vault's accounting rules. Defaults and why:
/// <list type="bullet">
/// <item>Lock-up 4 days between a withdrawal request and its payout: Hyperliquid's HLP vault locks deposits for 4 days,
/// long enough that an LP cannot step out of the vault just before a loss it can see coming (a liquidation it backstops).</item>
/// <item>Shares and money at 8 decimals, always rounded toward the vault: minted shares and paid amounts round down, so
/// the LPs who stay never pay for a depositor's or a withdrawer's rounding.</item>
/// <item>Fee shares are not decided here: settlement's fee policy pays them into the vault's trading account in margin
/// (FEE_DISTRIBUTION ledger entries), and the vault counts what margin booked (<see cref="VaultBook.OnFeeIncome"/>), so
/// its NAV never runs ahead of the money.</item>
/// </list>
/// </summary>
public sealed record VaultRules
{
    public const int ShareDecimals = 8;
    public const int MoneyDecimals = 8;

    /// <summary>One unit in the last decimal place of shares and money.</summary>
    public const decimal Unit = 0.00000001m;

    public required string VaultId { get; init; }

    public string Asset { get; init; } = "USDC";

    public TimeSpan WithdrawalLockup { get; init; } = TimeSpan.FromDays(4);

    public decimal MinimumDeposit { get; init; } = 10m;

    /// <summary>
    /// The vault's one account id: its trading account in margin ("vault-{id}"), where LP deposits arrive, payouts leave,
    /// its quotes trade and liquidation hands it backstop positions. Its postings name this account.
    /// </summary>
    public string AccountId => AccountIdFor(VaultId);

    /// <summary>The account the vault's money sits in: <see cref="AccountId"/> (one id, one ledger).</summary>
    public string LedgerAccount => AccountId;

    public static string AccountIdFor(string vaultId) => Clearing.Primitives.Accounts.VaultAccounts.AccountIdFor(vaultId);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Require(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        Require(!string.IsNullOrWhiteSpace(VaultId), "VaultId is required");
        Require(!string.IsNullOrWhiteSpace(Asset), "Asset is required");
        Require(WithdrawalLockup >= TimeSpan.Zero, "WithdrawalLockup must not be negative");
        Require(MinimumDeposit > 0, "MinimumDeposit must be > 0");
        return problems;
    }
}
