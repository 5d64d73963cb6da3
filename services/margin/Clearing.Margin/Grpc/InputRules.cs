using System.Text.RegularExpressions;
using Clearing.ServiceDefaults.Operations;

namespace Clearing.Margin.Grpc;

/// <summary>Shapes of ids accepted at the API edge; a mismatch is InvalidArgument naming the field.</summary>
internal static partial class InputRules
{
    public static string AccountId(string value) =>
        AccountIdShape().IsMatch(value) ? value : throw OperatorInput.Invalid($"account_id '{value}' must be 1-128 characters of [A-Za-z0-9._:-]");

    public static string Asset(string value) =>
        AssetShape().IsMatch(value) ? value : throw OperatorInput.Invalid($"asset '{value}' must be an upper-case symbol of 2-12 characters such as \"USDC\"");

    public static string Reference(string value) =>
        ReferenceShape().IsMatch(value) ? value : throw OperatorInput.Invalid("reference must be 1-128 visible ASCII characters (the deposit transaction id or ticket), no spaces");

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}$")]
    private static partial Regex AccountIdShape();

    [GeneratedRegex("^[A-Z][A-Z0-9]{1,11}$")]
    private static partial Regex AssetShape();

    [GeneratedRegex("^[\\x21-\\x7E]{1,128}$")]
    private static partial Regex ReferenceShape();
}
