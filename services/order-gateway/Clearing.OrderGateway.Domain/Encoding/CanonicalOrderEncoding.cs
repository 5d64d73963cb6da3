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

    /// <summary>Stack room for one order's bytes; a longer command (long ids) moves to a rented buffer.</summary>
    private const int StackBytes = 384;

    public static byte[] Encode(GatewayCommand command)
    {
        var writer = new CanonicalWriter(stackalloc byte[StackBytes]);
        try
        {
            WriteSigned(ref writer, command);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// SHA-256 of what the order says, without its replay guard (nonce, expiry): two requests for the same client
    /// order id are "the same order" exactly when these are equal.
    /// </summary>
    public static string ContentHash(GatewayCommand command)
    {
        var writer = new CanonicalWriter(stackalloc byte[StackBytes]);
        try
        {
            writer.Byte((byte)command.Kind);
            writer.String(command.AccountId);
            WriteContent(ref writer, command);
            return Hex(writer.Written);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// <see cref="Encode"/>'s bytes written into <paramref name="scratch"/> (stack memory; a longer command rents a
    /// buffer, returned by <see cref="SignedOrder.Dispose"/>), with <see cref="ContentHash(GatewayCommand)"/> computed from
    /// the same bytes on request: the gate encodes each order once instead of twice and allocates only the hash's text.
    /// </summary>
    public static SignedOrder EncodeSigned(GatewayCommand command, Span<byte> scratch)
    {
        var writer = new CanonicalWriter(scratch);
        try
        {
            var (accountEnd, contentStart) = WriteSigned(ref writer, command);
            return new SignedOrder(writer, accountEnd, contentStart);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>How much stack <see cref="EncodeSigned"/> should be given: enough for any order with ids of ordinary length.</summary>
    public const int ScratchBytes = StackBytes;

    /// <summary>Where the signed bytes split: [version | kind · account] [nonce · expiry] [content]; the hash covers the first part's tail and the last.</summary>
    private static (int AccountEnd, int ContentStart) WriteSigned(ref CanonicalWriter writer, GatewayCommand command)
    {
        writer.String(Version);
        writer.Byte((byte)command.Kind);
        writer.String(command.AccountId);
        var accountEnd = writer.Length;
        writer.String(command.Nonce);
        writer.Int64(command.ExpiresAtUnixNanos);
        var contentStart = writer.Length;
        WriteContent(ref writer, command);
        return (accountEnd, contentStart);
    }

    private static void WriteContent(ref CanonicalWriter writer, GatewayCommand c)
    {
        writer.String(c.Market);
        switch (c.Kind)
        {
            case CommandKind.Place:
                writer.String(c.OrderId);
                writer.Byte((byte)c.Side);
                writer.Byte((byte)c.Type);
                writer.Decimal(c.Price);
                writer.Decimal(c.Quantity);
                writer.Byte((byte)c.TimeInForce);
                writer.Int64(c.GoodTillUnixNanos);
                writer.Bool(c.PostOnly);
                writer.Bool(c.ReduceOnly);
                writer.Byte((byte)c.SelfTrade);
                writer.Decimal(c.TriggerPrice);
                writer.Byte((byte)c.MarginMode);
                writer.Decimal(c.IsolatedCollateral);
                writer.String(c.CollateralAsset);
                if (c.Mmp)
                {
                    writer.Bool(true);
                }

                break;
            case CommandKind.Cancel:
                writer.String(c.OrderId);
                break;
            case CommandKind.Amend:
                writer.String(c.OrderId);
                writer.Decimal(c.Price);
                writer.Decimal(c.Quantity);
                break;
            case CommandKind.CancelAll:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(c), c.Kind, "unknown command kind");
        }
    }

    private static string Hex(ReadOnlySpan<byte> hashed)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(hashed, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>One order's signed bytes and, on request, its content hash (a refused proof never needs it).</summary>
    public ref struct SignedOrder
    {
        private CanonicalWriter _writer;
        private readonly int _accountEnd;
        private readonly int _contentStart;

        internal SignedOrder(CanonicalWriter writer, int accountEnd, int contentStart)
        {
            _writer = writer;
            _accountEnd = accountEnd;
            _contentStart = contentStart;
        }

        public readonly ReadOnlySpan<byte> Bytes => _writer.Written;

        /// <summary>The hashed bytes are the signed ones without the version string, the nonce and the expiry.</summary>
        public readonly string ContentHash()
        {
            var signed = _writer.Written;
            var head = signed[(2 + Version.Length).._accountEnd];
            var content = signed[_contentStart..];
            var length = head.Length + content.Length;
            byte[]? rented = null;
            var hashed = length <= StackBytes ? stackalloc byte[StackBytes] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length));
            try
            {
                head.CopyTo(hashed);
                content.CopyTo(hashed[head.Length..]);
                return Hex(hashed[..length]);
            }
            finally
            {
                if (rented is not null)
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        public void Dispose() => _writer.Dispose();
    }
}
