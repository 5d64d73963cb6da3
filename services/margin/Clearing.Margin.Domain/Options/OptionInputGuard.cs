using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Clearing.Margin.Domain.Options;

/// <summary>Input checks for the pricing hot path: inlined comparisons, throwing kept out of line.</summary>
internal static class OptionInputGuard
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Positive(double value, string field)
    {
        // Written so NaN fails too.
        if (!(value > 0.0 && value < double.PositiveInfinity))
        {
            ThrowNotPositive(value, field);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Kind(OptionKind kind)
    {
        if ((uint)kind > (uint)OptionKind.Put)
        {
            ThrowUnknownKind(kind);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finite(double value, string field)
    {
        if (!double.IsFinite(value))
        {
            ThrowNotFinite(value, field);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotPositive(double value, string field) =>
        throw new OptionInputException($"{field} must be a positive finite number, got {value}.", field);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowUnknownKind(OptionKind kind) =>
        throw new OptionInputException($"kind must be Call or Put, got {(int)kind}.", "kind");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotFinite(double value, string field) =>
        throw new OptionInputException($"{field} must be a finite number, got {value}.", field);
}
