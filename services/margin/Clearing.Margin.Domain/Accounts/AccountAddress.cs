using System.Globalization;

namespace Clearing.Margin.Domain.Accounts;

/// <summary>
/// A trading account id as fills, ledger postings and risk events name it, split into the owner (the aggregate and
/// its stream "account-{owner}") and the sub-account number: "acct-1" is sub-account 0 of owner "acct-1",
/// "acct-1:3" is sub-account 3 of it (dYdX-style numbered sub-accounts, 1–999). Each sub-account is its own margin
/// unit (its own collateral, positions and health); keeping them in one aggregate makes transfers between them one
/// atomic append. Ids whose last ':' part is not a number (e.g. "system:insurance-fund") are owners themselves.
/// </summary>
public readonly record struct AccountAddress(string Owner, int SubAccount)
{
    public const int MaxSubAccount = 999;

    public string AccountId => SubAccount == 0 ? Owner : $"{Owner}:{SubAccount.ToString(CultureInfo.InvariantCulture)}";

    public static AccountAddress Parse(string accountId)
    {
        if (string.IsNullOrWhiteSpace(accountId))
        {
            throw new ArgumentException("account id must not be empty", nameof(accountId));
        }

        var colon = accountId.LastIndexOf(':');
        if (colon > 0 && colon < accountId.Length - 1)
        {
            var tail = accountId.AsSpan(colon + 1);
            if (tail.Length <= 3 && tail[0] != '0' && int.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return new AccountAddress(accountId[..colon], number);
            }
        }

        return new AccountAddress(accountId, 0);
    }

    public override string ToString() => AccountId;
}
