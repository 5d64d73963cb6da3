using System.Security.Cryptography;
using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.OrderGateway.Domain.Rules;
using Clearing.Primitives.Markets;
using NSec.Cryptography;

namespace Clearing.OrderGateway.Tests.Domain;

/// <summary>An account with a key, a market and a margin view: the defaults every gate test starts from.</summary>
internal sealed class GateFixture
{
    public const long Now = 1_800_000_000_000_000_000;
    public const long Second = 1_000_000_000;

    private static int _nonce;

    public Key Key { get; } = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    public AccountLedger Ledger { get; } = new("acct-1");

    public MarketDefinition Market { get; } = MarketCatalog.EmbeddedDefaults.Get("BTC-PERP");

    public MarketStatus Status { get; set; } = MarketStatus.Open;

    public decimal? Mark { get; set; } = 50_000m;

    public MarginSnapshot? Margin { get; set; } = new(1_000_000m, false, new Dictionary<string, decimal>());

    public PreTradeParameters PreTrade { get; set; } = new();

    public GateParameters Gate { get; set; } = new() { RateLimitBurst = 1000, RateLimitPerSecond = 1000 };

    public static string NextNonce() => $"nonce-{Interlocked.Increment(ref _nonce):D12}";

    public GatewayCommand Order(string orderId = "o-1", decimal price = 50_000m, decimal quantity = 0.1m, string market = "BTC-PERP") => new()
    {
        Kind = CommandKind.Place,
        AccountId = "acct-1",
        Market = market,
        Nonce = NextNonce(),
        ExpiresAtUnixNanos = Now + 30 * Second,
        OrderId = orderId,
        Side = OrderSide.Buy,
        Type = OrderType.Limit,
        Price = price,
        Quantity = quantity,
        TimeInForce = OrderTimeInForce.Gtc,
        MarginMode = MarginMode.Cross,
    };

    public AccountSignatureProof Sign(GatewayCommand command, Key? with = null)
    {
        var key = with ?? Key;
        return new AccountSignatureProof(key.PublicKey.Export(KeyBlobFormat.RawPublicKey), SignatureAlgorithm.Ed25519.Sign(key, CanonicalOrderEncoding.Encode(command)));
    }

    public GateOutcome Evaluate(GatewayCommand command, OrderProof? proof = null, long now = Now) =>
        OrderGate.Evaluate(Ledger, command, proof ?? Sign(command), Key.PublicKey,
            command.Market == Market.Symbol ? new MarketContext(Market, Status, Mark) : MarketCatalog.EmbeddedDefaults.TryGet(command.Market, out var other) ? new MarketContext(other, MarketStatus.Open, Mark) : null,
            Margin, PreTrade, Gate, now);

    /// <summary>What the host does after storing an accepted command.</summary>
    public void Record(GatewayCommand command, GateOutcome.Accept accept, long version)
    {
        Ledger.RecordNonce(command.Nonce, command.ExpiresAtUnixNanos, version);
        if (command.Kind == CommandKind.Place)
        {
            Ledger.RecordOrder(new AcceptedOrder(command.OrderId, command.Market, accept.ContentHash, accept.CommandId, Now));
        }
    }

    public (string SessionId, byte[] Secret) GrantSession(IReadOnlyList<string>? markets = null, decimal? maxQuantity = null, long expiresAt = Now + 3600 * Second)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var id = $"session-{Guid.NewGuid():N}"[..20];
        Ledger.RecordSession(new SessionGrant("acct-1", id, SHA256.HashData(secret), markets ?? [], maxQuantity, expiresAt), secret);
        return (id, secret);
    }

    public static SessionMacProof Mac(GatewayCommand command, string sessionId, byte[] secret) =>
        new(sessionId, ProofVerifier.SessionMac(secret, CanonicalOrderEncoding.Encode(command)));
}

internal static class GateOutcomeAssertions
{
    public static Refusal ShouldBeRefused(this GateOutcome outcome, string rule, RefusalStatus status)
    {
        var refuse = outcome.ShouldBeOfType<GateOutcome.Refuse>();
        refuse.Refusal.Rule.ShouldBe(rule);
        refuse.Refusal.Status.ShouldBe(status);
        refuse.Refusal.Detail.ShouldNotBeNullOrWhiteSpace();
        return refuse.Refusal;
    }
}
