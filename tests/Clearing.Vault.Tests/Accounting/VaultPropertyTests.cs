using Clearing.Vault.Domain.Accounting;
using CsCheck;
using static Clearing.Vault.Tests.Support.VaultGiven;

namespace Clearing.Vault.Tests.Accounting;

/// <summary>
/// Random lives of a vault — deposits, withdrawals requested, cancelled and paid, quote fills, backstop takeovers, fee
/// income, fees paid, moving marks — checked after every step.
/// </summary>
public sealed class VaultPropertyTests
{
    private static readonly string[] Lps = ["lp-1", "lp-2", "lp-3", "lp-4"];
    private static readonly string[] Markets = ["BTC-PERP", "ETH-PERP"];

    private sealed record Step(VaultState Before, IReadOnlyList<object> Events, VaultState After, IReadOnlyDictionary<string, decimal> Marks, DateTimeOffset At);

    /// <summary>Plays a random life of the vault from a seed; each step's events, with the state before and after.</summary>
    private static List<Step> Life(int seed, int steps = 60)
    {
        var random = new Random(seed);
        var rules = Rules(r => r with { WithdrawalLockup = TimeSpan.FromHours(random.Next(0, 3)) });
        var state = VaultState.Empty("hlp");
        var marks = new Dictionary<string, decimal> { ["BTC-PERP"] = 50_000m, ["ETH-PERP"] = 3_000m };
        var now = T0;
        var result = new List<Step>();
        decimal Amount(int max, int decimals) => Math.Round((decimal)random.Next(1, max * 1_000) / 1_000m + random.Next(0, 1_000_000) / 1_000_000m, decimals);
        for (var i = 0; i < steps; i++)
        {
            now = now.AddMinutes(random.Next(1, 90));
            var market = Markets[random.Next(Markets.Length)];
            marks[market] = Math.Max(1m, Math.Round(marks[market] * (1m + (random.Next(-300, 301) / 10_000m)), 1));
            var lp = Lps[random.Next(Lps.Length)];
            var snapshot = new Dictionary<string, decimal>(marks);
            IReadOnlyList<object> events;
            try
            {
                events = random.Next(9) switch
                {
                    0 or 1 => VaultBook.Deposit(state, rules, lp, Amount(20_000, random.Next(0, 7)) + 1m, $"dep-{i}", snapshot, now),
                    2 => state.FreeSharesOf(lp) > 0
                        ? VaultBook.RequestWithdrawal(state, rules, lp, Math.Max(VaultRules.Unit, ExactMath.Floor(state.FreeSharesOf(lp) * random.Next(1, 101) / 100m, VaultRules.ShareDecimals)), now)
                        : [],
                    3 => state.Withdrawals.Values.FirstOrDefault(w => random.Next(3) == 0) is { } w ? VaultBook.CancelWithdrawal(state, w.Id, w.Lp, now) : [],
                    4 => VaultBook.OnFill(state, rules, new VaultFillInput(market, $"f-{i}", $"vq-{i}", random.Next(2) == 0 ? VaultSide.Buy : VaultSide.Sell,
                        random.Next(1, 2_000) / 1_000m, marks[market] + random.Next(-50, 51), random.Next(0, 300) / 100m, now, Source())),
                    5 => VaultBook.OnTakeover(state, rules, new TakeoverInput($"liq-{i}", "acct-x", market, random.Next(2) == 0 ? VaultSide.Buy : VaultSide.Sell,
                        random.Next(1, 500) / 1_000m, marks[market] * (1m + random.Next(-40, 41) / 1_000m), marks[market], now, Source("liquidation"))),
                    6 => VaultBook.OnFeeIncome(state, rules, FeeIncome(Amount(60, 6), random.Next(2) == 0 ? FeeKind.Trading : FeeKind.Liquidation) with { At = now }),
                    7 => VaultBook.PayFees(state, rules, now),
                    _ => VaultBook.Advance(state, rules, snapshot, now),
                };
            }
            catch (VaultRefusedException)
            {
                // A refusal (a vault with a NAV of zero or less, a deposit buying no share unit) changes nothing; the
                // properties below are about what was accepted.
                events = [];
            }

            var after = events.Aggregate(state, VaultBook.Evolve);
            result.Add(new Step(state, events, after, snapshot, now));
            state = after;
        }

        return result;
    }

    [Fact]
    public void nav_per_share_never_falls_for_the_lps_who_remain_when_someone_deposits_or_withdraws()
    {
        var checkedSteps = 0;
        Gen.Int.Sample(seed =>
        {
            foreach (var step in Life(seed))
            {
                foreach (var e in step.Events.Where(e => e is VaultDeposited or WithdrawalPaid))
                {
                    var before = VaultBook.Nav(step.Before, step.Marks, step.At);
                    var after = VaultBook.Nav(step.After, step.Marks, step.At);
                    if (before.Shares == 0 || after.Shares == 0)
                    {
                        continue;   // the first deposit (no one to dilute) or the last withdrawal (no one left)
                    }

                    checkedSteps++;
                    // after.Nav / after.Shares >= before.Nav / before.Shares, compared exactly as products.
                    ExactMath.CompareProducts(after.Nav, before.Shares, before.Nav, after.Shares).ShouldBeGreaterThanOrEqualTo(0, $"seed {seed}: {e}");
                    // …and it rises by less than one rounding unit's worth: the rounding goes to the vault, nothing more.
                    switch (e)
                    {
                        case VaultDeposited d:
                            ExactMath.CompareProducts(d.Amount, before.Shares, before.Nav, d.SharesMinted + VaultRules.Unit).ShouldBeLessThan(0, $"seed {seed}: {e}");
                            break;
                        case WithdrawalPaid w:
                            ExactMath.CompareProducts(before.Nav, w.Shares, before.Shares, w.Amount + VaultRules.Unit).ShouldBeLessThan(0, $"seed {seed}: {e}");
                            break;
                    }
                }
            }
        }, iter: 150);
        checkedSteps.ShouldBeGreaterThan(500);
    }

    [Fact]
    public void every_vault_entry_balances_and_the_vaults_postings_add_up_to_its_collateral()
    {
        Gen.Int.Sample(seed =>
        {
            var vaultPostings = 0m;
            VaultState? last = null;
            foreach (var step in Life(seed))
            {
                foreach (var e in step.Events)
                {
                    var postings = PostingsOf(e);
                    foreach (var asset in postings.GroupBy(p => p.Asset))
                    {
                        asset.Sum(p => p.Amount).ShouldBe(0m, $"seed {seed}: {e}");
                    }

                    vaultPostings += postings.Where(p => p.AccountId == "vault-hlp").Sum(p => p.Amount);
                }

                last = step.After;
                step.After.Collateral.ShouldBe(vaultPostings, $"seed {seed}");
            }

            last.ShouldNotBeNull();
        }, iter: 150);
    }

    [Fact]
    public void the_lps_shares_always_add_up_to_the_vaults_shares_and_locked_shares_to_pending_withdrawals()
    {
        Gen.Int.Sample(seed =>
        {
            foreach (var step in Life(seed))
            {
                var s = step.After;
                s.Holdings.Values.Sum(h => h.Shares).ShouldBe(s.TotalShares, $"seed {seed}");
                s.Holdings.Values.Sum(h => h.Locked).ShouldBe(s.Withdrawals.Values.Sum(w => w.Shares), $"seed {seed}");
                foreach (var (lp, h) in s.Holdings)
                {
                    (h.Locked >= 0 && h.Locked <= h.Shares).ShouldBeTrue($"seed {seed}: {lp} locks {h.Locked} of {h.Shares}");
                }
            }
        }, iter: 150);
    }

    [Fact]
    public void fee_income_attributed_to_lps_never_exceeds_what_the_vault_earned_while_they_held_shares()
    {
        Gen.Int.Sample(seed =>
        {
            var life = Life(seed);
            var final = life[^1].After;
            var attributed = final.Holdings.Values.Sum(h => h.FeeIncomeAt(final.FeeIncomePerShare));
            var earnedWithHolders = life.SelectMany(s => s.Events.OfType<FeeIncomeBooked>().Where(_ => s.Before.TotalShares > 0)).Sum(f => f.Amount);
            attributed.ShouldBeLessThanOrEqualTo(earnedWithHolders, $"seed {seed}");
            // Each holder loses at most a rounding unit per share change and per fee: attribution is nearly complete.
            (earnedWithHolders - attributed).ShouldBeLessThan(0.0001m, $"seed {seed}");
        }, iter: 100);
    }
}
