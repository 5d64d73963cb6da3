using System.Globalization;
using Clearing.Contracts.Margin.V1;
using Clearing.Contracts.Vault.V1;
using Clearing.ServiceDefaults.Security;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Clearing.Cli.Stack;

/// <summary>
/// The LP vault of a local stack. It always runs (it books its share of every fill's fees); with quoting on
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
    /// Books the vault's capital twice, once in each service that sizes or checks its quotes: as LP shares in the vault
    /// (its NAV sets the exposure cap) and as collateral of its trading account in margin (the gateway's headroom check).
    /// Margin does not yet book vault deposits itself (services/vault README, Limits). Both are idempotent by reference,
    /// so a resumed stack does not add the capital again.
    /// </summary>
    public static async Task SeedAsync(StackEndpoints endpoints, DevKeyring keyring, StackLog log, CancellationToken cancellationToken)
    {
        var (operatorId, operatorKey) = keyring.Operators.First();
        using var key = operatorKey.Import();
        var signer = new RequestSigner(key, SignerKind.Operator, operatorId).AsInterceptor();
        using var vaultChannel = GrpcChannel.ForAddress(endpoints.Grpc("vault"));
        using var marginChannel = GrpcChannel.ForAddress(endpoints.Grpc("margin"));
        var amount = Capital.ToString(CultureInfo.InvariantCulture);
        var deposit = await new Contracts.Vault.V1.Vault.VaultClient(vaultChannel.Intercept(signer)).DepositAsync(
            new Contracts.Vault.V1.DepositRequest { LpAccountId = SeedLp, Amount = amount, Reference = Reference }, cancellationToken: cancellationToken);
        await new Accounts.AccountsClient(marginChannel.Intercept(signer)).DepositAsync(
            new Contracts.Margin.V1.DepositRequest { AccountId = DevKeyring.VaultAccountId, Asset = "USDC", Amount = amount, Reference = Reference },
            cancellationToken: cancellationToken);
        log.Info("vault", deposit.Booked
            ? $"vault capital {amount} USDC: {deposit.SharesMinted} shares to {SeedLp}, and {amount} USDC of collateral on {DevKeyring.VaultAccountId} in margin; quoting as {DevKeyring.VaultAccountId}"
            : $"vault capital already booked (resumed stack); quoting as {DevKeyring.VaultAccountId}");
    }
}
