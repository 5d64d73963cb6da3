using System.Text;

namespace Clearing.Primitives;

/// <summary>
/// One rule for turning a service name into the slug that names its data directory and PostgreSQL schema, so the
/// event store and the embedded state store of one service always sit together.
/// </summary>
public static class ServiceName
{
    /// <summary>"Clearing.OrderGateway", "OrderGateway" and "order-gateway" all become "order_gateway".</summary>
    public static string Slug(string name)
    {
        var trimmed = name.StartsWith("Clearing.", StringComparison.Ordinal) ? name["Clearing.".Length..] : name;
        var slug = new StringBuilder(trimmed.Length + 4);
        for (var i = 0; i < trimmed.Length; i++)
        {
            var c = trimmed[i];
            if (char.IsAsciiLetterUpper(c) && i > 0 && char.IsAsciiLetterLower(trimmed[i - 1]))
            {
                slug.Append('_');
            }

            slug.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        }

        return slug.ToString();
    }
}
