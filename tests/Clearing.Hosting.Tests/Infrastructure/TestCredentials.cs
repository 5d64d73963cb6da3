using Clearing.ServiceDefaults.Security;
using NSec.Cryptography;

namespace Clearing.Hosting.Tests.Infrastructure;

/// <summary>Keys made fresh for each test run: configuration holds only their public halves, as in production.</summary>
internal static class TestCredentials
{
    public const string OperatorId = "ops-alice";
    public const string TraderAccount = "acc-1";

    /// <summary>A second operator key id whose public key is the trader's: proves trader signatures do not pass as operator ones.</summary>
    public const string OperatorIdWithTraderKey = "ops-sharing-trader-key";

    public static Key OperatorKey { get; } = Key.Create(SignatureAlgorithm.Ed25519);

    public static Key TraderKey { get; } = Key.Create(SignatureAlgorithm.Ed25519);

    public static RequestSigner Operator(TimeProvider? time = null) => new(OperatorKey, SignerKind.Operator, OperatorId, time);

    public static RequestSigner Trader(TimeProvider? time = null) => new(TraderKey, SignerKind.Trader, TraderAccount, time);

    public static Dictionary<string, string?> Settings() => new()
    {
        [$"Clearing:Auth:Operators:{OperatorId}"] = Ed25519Keys.Export(OperatorKey.PublicKey),
        [$"Clearing:Auth:Operators:{OperatorIdWithTraderKey}"] = Ed25519Keys.Export(TraderKey.PublicKey),
        [$"Clearing:Auth:Traders:{TraderAccount}"] = Ed25519Keys.Export(TraderKey.PublicKey),
    };
}
