using System.Security.Cryptography;
using Clearing.OrderGateway.Domain.Commands;

namespace Clearing.OrderGateway.Domain.Encoding;

/// <summary>
/// The bytes a trader signs (Ed25519) or MACs (session key) for an order command. Layout (see README):
/// <c>str "clearing-order-v1" · u8 kind · str account · str nonce · i64 expires_at · content</c>, where content is
/// <c>str market</c> and then per kind — place: <c>str order_id · u8 side · u8 type · dec price · dec quantity ·
/// u8 tif · i64 good_till · u8 post_only · u8 reduce_only · u8 stp · dec trigger · u8 margin_mode ·
/// dec isolated_collateral · str collateral_asset</c>, then <c>u8 1</c> only for a market-maker quote (mmp) — absent
/// otherwise, so every order signed before mmp existed keeps its bytes; cancel: <c>str order_id</c>; amend: <c>str order_id ·
/// dec new_price · dec new_quantity</c>; cancel-all: nothing. A decimal is its <see cref="DecimalText"/> form.
/// Changing any of this is a new version string, never an edit: signatures in flight would stop verifying.
/// </summary>
public static class CanonicalOrderEncoding
{
    public const string Version = "clearing-order-v1";

    public static byte[] Encode(GatewayCommand command)
    {
        var writer = new CanonicalWriter()
            .String(Version)
            .Byte((byte)command.Kind)
            .String(command.AccountId)
            .String(command.Nonce)
            .Int64(command.ExpiresAtUnixNanos);
        WriteContent(writer, command);
        return writer.ToArray();
    }

    /// <summary>
    /// SHA-256 of what the order says, without its replay guard (nonce, expiry): two requests for the same client
    /// order id are "the same order" exactly when these are equal.
    /// </summary>
    public static string ContentHash(GatewayCommand command)
    {
        var writer = new CanonicalWriter().Byte((byte)command.Kind).String(command.AccountId);
        WriteContent(writer, command);
        return Convert.ToHexStringLower(SHA256.HashData(writer.ToArray()));
    }

    private static void WriteContent(CanonicalWriter writer, GatewayCommand c)
    {
        writer.String(c.Market);
        switch (c.Kind)
        {
            case CommandKind.Place:
                writer.String(c.OrderId).Byte((byte)c.Side).Byte((byte)c.Type).Decimal(c.Price).Decimal(c.Quantity)
                    .Byte((byte)c.TimeInForce).Int64(c.GoodTillUnixNanos).Bool(c.PostOnly).Bool(c.ReduceOnly)
                    .Byte((byte)c.SelfTrade).Decimal(c.TriggerPrice).Byte((byte)c.MarginMode)
                    .Decimal(c.IsolatedCollateral).String(c.CollateralAsset);
                if (c.Mmp)
                {
                    writer.Bool(true);
                }
                break;
            case CommandKind.Cancel:
                writer.String(c.OrderId);
                break;
            case CommandKind.Amend:
                writer.String(c.OrderId).Decimal(c.Price).Decimal(c.Quantity);
                break;
            case CommandKind.CancelAll:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "unknown command kind");
        }
    }
}
