using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.OrderGateway.Domain.Accounts;
using Clearing.OrderGateway.Domain.Authentication;
using Clearing.OrderGateway.Domain.Commands;
using Clearing.OrderGateway.Domain.Encoding;
using Clearing.OrderGateway.Domain.Rules;
using Clearing.Primitives.Markets;
using NSec.Cryptography;

namespace Clearing.Benchmarks.Gateway;

/// <summary>
/// The gateway's per-order work on one core, in both authentication modes: canonical encoding, proof check
/// (Ed25519 signature by the account key vs HMAC-SHA256 under a session key), content hash, replay guard, rate
/// limit, market and margin checks — everything <see cref="OrderGate.Evaluate"/> does, without the store append.
/// The account-key mode is the baseline, so the Ratio column says how much cheaper the session mode is.
/// Run: <c>dotnet run -c Release --project tests/Clearing.Benchmarks -- --filter '*Gateway*'</c>.
/// </summary>
[Config(typeof(ShortInProcess))]
[MemoryDiagnoser]
public class GatewayVerificationBenchmarks
{
    /// <summary>
    /// Short, and in-process: on the shared 2-core build machine BenchmarkDotNet's generated project timed out while
    /// building. The process is the Release build of this project, so the code measured is optimized all the same.
    /// </summary>
    private sealed class ShortInProcess : ManualConfig
    {
        public ShortInProcess() =>
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithToolchain(InProcessEmitToolchain.Instance));
    }

    private const long Now = 1_800_000_000_000_000_000;

    private Key _key = null!;
    private AccountLedger _ledger = null!;
    private GatewayCommand _order = null!;
    private AccountSignatureProof _signed = null!;
    private SessionMacProof _mac = null!;
    private MarketContext _market = null!;
    private MarginSnapshot _margin = null!;
    private readonly PreTradeParameters _preTrade = new();
    // The clock stands still in a benchmark, so the bucket never refills: a billion tokens outlast any run.
    private readonly GateParameters _gate = new() { RateLimitBurst = 1_000_000_000, RateLimitPerSecond = 1 };

    [GlobalSetup]
    public void Setup()
    {
        _key = Key.Create(SignatureAlgorithm.Ed25519);
        _ledger = new AccountLedger("acct-1");
        var secret = RandomNumberGenerator.GetBytes(32);
        _ledger.RecordSession(new SessionGrant("acct-1", "bench-session", SHA256.HashData(secret), ["BTC-PERP"], 10m, long.MaxValue), secret);
        _order = new GatewayCommand
        {
            Kind = CommandKind.Place, AccountId = "acct-1", Market = "BTC-PERP", Nonce = "bench-nonce-000000001",
            ExpiresAtUnixNanos = Now + 30_000_000_000, OrderId = "o-1", Side = OrderSide.Buy, Type = OrderType.Limit,
            Price = 50_000.5m, Quantity = 0.25m, TimeInForce = OrderTimeInForce.Gtc, MarginMode = MarginMode.Cross,
        };
        var canonical = CanonicalOrderEncoding.Encode(_order);
        _signed = new AccountSignatureProof(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey), SignatureAlgorithm.Ed25519.Sign(_key, canonical));
        _mac = new SessionMacProof("bench-session", ProofVerifier.SessionMac(secret, canonical));
        _market = new MarketContext(MarketCatalog.EmbeddedDefaults.Get("BTC-PERP"), MarketStatus.Open, 50_000m);
        _margin = new MarginSnapshot(1_000_000m, false, new Dictionary<string, decimal> { ["BTC-PERP"] = 0.5m });

        // Both modes must pass every check, or the benchmark measures an early refusal.
        foreach (var proof in new OrderProof[] { _signed, _mac })
        {
            if (OrderGate.Evaluate(_ledger, _order, proof, _key.PublicKey, _market, _margin, _preTrade, _gate, Now) is not GateOutcome.Accept)
            {
                throw new InvalidOperationException($"the benchmark order is refused under {proof.GetType().Name}");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // A run that drained the bucket or tripped another rule would have measured refusals: fail it loudly.
        if (OrderGate.Evaluate(_ledger, _order, _mac, _key.PublicKey, _market, _margin, _preTrade, _gate, Now) is not GateOutcome.Accept)
        {
            throw new InvalidOperationException("the benchmark order was refused by the end of the run; the figures measured refusals");
        }

        _key.Dispose();
    }

    [Benchmark(Baseline = true, Description = "account key (Ed25519)")]
    public GateOutcome AccountKeySigned() =>
        OrderGate.Evaluate(_ledger, _order, _signed, _key.PublicKey, _market, _margin, _preTrade, _gate, Now);

    [Benchmark(Description = "session key (HMAC-SHA256)")]
    public GateOutcome SessionMac() =>
        OrderGate.Evaluate(_ledger, _order, _mac, _key.PublicKey, _market, _margin, _preTrade, _gate, Now);
}
