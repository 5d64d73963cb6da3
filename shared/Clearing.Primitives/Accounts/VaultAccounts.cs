namespace Clearing.Primitives.Accounts;

/// <summary>
/// The public id of an LP vault's trading account in margin, written once: the vault books LP money, quotes and backstop
/// positions on it, liquidation hands positions to it, and settlement pays the vault's fee shares into it. A second
/// spelling of "vault-{id}" anywhere would be a second, unfunded account.
/// </summary>
public static class VaultAccounts
{
    /// <summary>The venue's vault ("hlp", after Hyperliquid's HLP): the one `clearing up` seeds and the fee policy pays by default.</summary>
    public const string DefaultVaultId = "hlp";

    public const string Prefix = "vault-";

    /// <summary>"vault-hlp": <see cref="AccountIdFor"/> of <see cref="DefaultVaultId"/>.</summary>
    public const string DefaultAccountId = Prefix + DefaultVaultId;

    public static string AccountIdFor(string vaultId) => Prefix + vaultId;
}
