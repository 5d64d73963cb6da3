using System.Globalization;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Vault.V1;
using Clearing.ServiceDefaults.Security;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Clearing.Cli.Stack;

/// <summary>
/// The LP vault of a local stack. It always runs, seeded with <see cref="Capital"/> (it books its share of every fill's
/// fees, and backstops liquidations within its caps); with quoting on
/// (`up --vault-quoting`) it also makes markets as the dev keyring's <see cref="DevKeyring.VaultAccountId"/>, through
/// the order gateway like any trader. Quoting is off by default so `simulate` and `demo` keep their own market makers'
/// figures: a vault quoting into the crash would take the liquidations the demo shows going to the fund and ADL.
/// </summary>
internal static class LocalVault
{
    /// <summary>The local vault's capital: a dev-sized vault, whose 20%-of-NAV cap (200k) is below the 250k notional cap.</summary>
    public const decimal Capital = 1_000_000m;

    /// <summary>The LP the capital is booked to (no key: a seed, not a trader).</summary>
    public const string SeedLp = "lp-seed";

    private const string Reference = "local-vault-capital";

    /// <summary>What the vault process needs to quote: its account and key, and where the gateway listens.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Environment(DevKeyring keyring, bool quoting, int gatewayGrpcPort)
    {
        yield return new("Vault__Quoting__Enabled", quoting ? "true" : "false");
        if (!quoting)
        {
            yield break;
        }

        var key = keyring.Vault ?? throw new InvalidOperationException("the dev keyring has no vault key");
        yield return new("Vault__Quoting__AccountId", DevKeyring.VaultAccountId);
        yield return new("Vault__Quoting__PrivateKey", key.PrivateKey);
        yield return new("Vault__Quoting__GatewayAddress", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{gatewayGrpcPort}"));
    }

    /// <summary>
    /// Turns on liquidation's vault stage for the local vault (id "hlp", account vault-hlp): what the book cannot absorb goes
    /// to the vault at the bankruptcy price, before the insurance fund. The local vault takes at most $1,000 of loss per
    /// market and $2,500 a day (liquidation's defaults are $50k and $250k): a 30% crash on a handful of leveraged accounts
    /// would otherwise stop at the vault, and the demo is there to show every stage — book, vault, fund, ADL.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> BackstopEnvironment()
    {
        yield return new("Liquidation__Vault__VaultId", VaultId);
        yield return new("Liquidation__Vault__DefaultMarketLossCap", "1000");
        yield return new("Liquidation__Vault__DailyLossCap", "2500");
    }

    /// <summary>The local vault's id; its one account is "vault-{id}" = <see cref="DevKeyring.VaultAccountId"/>.</summary>
    public const string VaultId = Clearing.Primitives.Accounts.VaultAccounts.DefaultVaultId;

    /// <summary>
    /// Seeds the vault once, through the one path LPs use: margin credits the seed LP's collateral (an operator deposit from
    /// outside), then moves it to the vault's account (Accounts.DepositToVault, one VAULT_DEPOSIT ledger entry); the vault
    /// mints the shares when it reads that entry. Both are idempotent by reference, so a resumed stack adds nothing. Waits
    /// until the vault shows the shares (its NAV sets the quoting caps).
    /// </summary>
    public static async Task SeedAsync(StackEndpoints endpoints, DevKeyring keyring, StackLog log, CancellationToken cancellationToken)
    {
        var (operatorId, operatorKey) = keyring.Operators.First();
        using var key = operatorKey.Import();
        var signer = new RequestSigner(key, SignerKind.Operator, operatorId).AsInterceptor();
        using var vaultChannel = GrpcChannel.ForAddress(endpoints.Grpc("vault"));
        using var marginChannel = GrpcChannel.ForAddress(endpoints.Grpc("margin"));
        var amount = Capital.ToString(CultureInfo.InvariantCulture);
        var accounts = new Accounts.AccountsClient(marginChannel.Intercept(signer));
        await accounts.DepositAsync(new Contracts.Margin.V1.DepositRequest { AccountId = SeedLp, Asset = "USDC", Amount = amount, Reference = Reference },
            cancellationToken: cancellationToken);
        var moved = await accounts.DepositToVaultAsync(new VaultDepositRequest
        {
            AccountId = SeedLp, VaultAccountId = DevKeyring.VaultAccountId, Asset = "USDC", Amount = amount, Reference = Reference,
        }, cancellationToken: cancellationToken);
        var vault = new Contracts.Vault.V1.Vault.VaultClient(vaultChannel.Intercept(signer));
        var deadline = DateTimeOffset.UtcNow + SeedTimeout;
        StatementReply statement;
        while ((statement = await vault.GetStatementAsync(new GetStatementRequest { LpAccountId = SeedLp }, cancellationToken: cancellationToken)).Shares is "" or "0")
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new StackStartException($"the vault did not mint the seed deposit's shares within {SeedTimeout.TotalSeconds:F0} s (it reads them from clearing.margin.ledger.v1)", 1);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        log.Info("vault", moved.AlreadyApplied
            ? $"vault capital already booked (resumed stack): {SeedLp} holds {statement.Shares} shares; vault account {DevKeyring.VaultAccountId}"
            : $"vault capital {amount} USDC: margin moved it from {SeedLp} to {DevKeyring.VaultAccountId} (one VAULT_DEPOSIT entry), {statement.Shares} shares to {SeedLp}");
    }

    private static readonly TimeSpan SeedTimeout = TimeSpan.FromSeconds(30);
}
