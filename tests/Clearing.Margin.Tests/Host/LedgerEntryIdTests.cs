using System.Security.Cryptography;
using System.Text;
using Clearing.Margin.Application;
using Clearing.Margin.Domain.Accounts;
using Side = Clearing.Contracts.Orders.V1.Side;

namespace Clearing.Margin.Tests.Host;

/// <summary>
/// Ledger entries are stored under name-based event ids (SHA-256 of "ledger-main:{sequence}") instead of random ones:
/// unique because the sequence is, and the same when the projection is rebuilt from the same account events.
/// </summary>
public sealed class LedgerEntryIdTests
{
    /// <summary>The id written out the plain way (string, heap bytes), as the gateway derives its name-based ids.</summary>
    private static Guid Reference(long sequence)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{LedgerProjector.LedgerStream}:{sequence}"));
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    [Fact]
    public void an_entry_id_is_the_name_based_id_of_its_sequence_and_no_two_sequences_share_one()
    {
        var ids = new HashSet<Guid>();
        foreach (var sequence in Enumerable.Range(1, 20_000).Select(n => (long)n).Append(0).Append(-1).Append(long.MaxValue).Append(long.MinValue))
        {
            var id = LedgerProjector.EntryEventId(sequence);
            id.ShouldBe(Reference(sequence), $"sequence {sequence}");
            ids.Add(id).ShouldBeTrue($"sequence {sequence}");
            id.Version.ShouldBe(8);
        }
    }

    [Fact]
    public async Task every_stored_ledger_entry_carries_the_name_based_id_of_its_sequence()
    {
        await using var host = new MarginHostHarness();
        await host.DepositAsync("t-1", 100_000m);
        await host.DepositAsync("mm-1", 1_000_000m);
        for (var n = 1; n <= 6; n++)
        {
            await host.FillAsync(n, "t-1", n % 2 == 0 ? Side.Sell : Side.Buy, "mm-1", 0.1m * n, 60_000m + n, takerFee: 1m, makerFee: -0.2m);
        }

        await host.Ledger.CatchUpAsync(CancellationToken.None);
        var entries = (await host.AllAsync()).Where(e => e.StreamId == LedgerProjector.LedgerStream).ToList();

        entries.Count.ShouldBeGreaterThan(6);
        foreach (var stored in entries)
        {
            var entry = (LedgerEntryRecorded)MarginEventTypes.Serializer.Deserialize(stored);
            entry.Sequence.ShouldBe(stored.StreamVersion + 1);
            stored.EventId.ShouldBe(LedgerProjector.EntryEventId(entry.Sequence));
        }

        entries.Select(e => e.EventId).Distinct().Count().ShouldBe(entries.Count);
    }
}
