namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// A position's funding payment for one interval: −size × mark × rate (longs pay shorts when the rate is positive),
/// rounded toward −∞ so a payer never pays less and a receiver never gets more than exact. Each account's payment
/// is computed on its own (no cross-account view is needed); the payments of a market then sum to at most zero and
/// the difference — the rounding dust — is what system:funding-dust keeps (its ledger postings are minus each payment).
/// </summary>
public static class FundingPayments
{
    public static decimal PaymentFor(decimal size, decimal markPrice, decimal rate, int moneyDecimals) =>
        Math.Round(-size * markPrice * rate, moneyDecimals, MidpointRounding.ToNegativeInfinity);
}
