using Clearing.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Clearing.Hosting.Tests;

public sealed class NonceLedgerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void the_same_nonce_from_the_same_signer_is_refused_but_another_signer_may_use_it()
    {
        var ledger = Ledger(capacity: 1000);

        ledger.TryUse("Trader:acc-1", "nonce-0000000000001", _time.GetUtcNow()).ShouldBe(NonceUse.Accepted);
        ledger.TryUse("Trader:acc-1", "nonce-0000000000001", _time.GetUtcNow()).ShouldBe(NonceUse.Replayed);
        ledger.TryUse("Trader:acc-2", "nonce-0000000000001", _time.GetUtcNow()).ShouldBe(NonceUse.Accepted);
    }

    [Fact]
    public void a_full_ledger_refuses_until_nonces_age_past_the_freshness_window()
    {
        var ledger = Ledger(capacity: 1000);
        for (var i = 0; i < 1000; i++)
        {
            ledger.TryUse("Trader:acc-1", $"nonce-{i:D16}", _time.GetUtcNow()).ShouldBe(NonceUse.Accepted);
        }

        ledger.TryUse("Trader:acc-1", "nonce-one-too-many", _time.GetUtcNow()).ShouldBe(NonceUse.LedgerFull);

        // 30 s skew + 1 s slack after the requests' timestamps, their nonces can no longer be replayed anyway.
        _time.Advance(TimeSpan.FromSeconds(32));
        ledger.TryUse("Trader:acc-1", "nonce-one-too-many", _time.GetUtcNow()).ShouldBe(NonceUse.Accepted);
    }

    private InMemoryNonceLedger Ledger(int capacity) =>
        new(_time, Options.Create(new ClearingAuthOptions { NonceCapacity = capacity, MaxClockSkew = TimeSpan.FromSeconds(30) }));
}
