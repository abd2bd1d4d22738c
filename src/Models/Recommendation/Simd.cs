using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// A SIMD register of <typeparamref name="T"/> (float or double) as a static-abstract
/// interface, so each dense kernel in <see cref="DenseKernels"/> is written once and the JIT
/// specialises it per register width (<see cref="Simd512{T}"/>, <see cref="Simd256{T}"/>,
/// <see cref="Simd128{T}"/>, <see cref="ScalarSimd{T}"/>). Multiply-add is fused where the
/// hardware has FMA.
/// </summary>
internal interface ISimd<TSelf, T>
    where TSelf : struct, ISimd<TSelf, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract int Count { get; }

    static abstract TSelf Zero { get; }

    static abstract TSelf Broadcast(T value);

    static abstract TSelf Load(ref T source, nuint offset);

    static abstract void Store(TSelf value, ref T destination, nuint offset);

    /// <summary>a·b + c.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    static abstract TSelf Add(TSelf a, TSelf b);

    static abstract T Sum(TSelf value);
}

internal readonly struct Simd512<T>(Vector512<T> value) : ISimd<Simd512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector512<T> _v = value;

    public static int Count => Vector512<T>.Count;

    public static Simd512<T> Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512<T> Broadcast(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512<T> Load(ref T source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd512<T> value, ref T destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512<T> MultiplyAdd(Simd512<T> a, Simd512<T> b, Simd512<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return new(Vector512.MultiplyAddEstimate(a._v.As<T, float>(), b._v.As<T, float>(), c._v.As<T, float>()).As<float, T>());
        }

        if (typeof(T) == typeof(double))
        {
            return new(Vector512.MultiplyAddEstimate(a._v.As<T, double>(), b._v.As<T, double>(), c._v.As<T, double>()).As<double, T>());
        }

        return new((a._v * b._v) + c._v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512<T> Add(Simd512<T> a, Simd512<T> b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Simd512<T> value) => Vector512.Sum(value._v);
}

internal readonly struct Simd256<T>(Vector256<T> value) : ISimd<Simd256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector256<T> _v = value;

    public static int Count => Vector256<T>.Count;

    public static Simd256<T> Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256<T> Broadcast(T value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256<T> Load(ref T source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd256<T> value, ref T destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256<T> MultiplyAdd(Simd256<T> a, Simd256<T> b, Simd256<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return new(Vector256.MultiplyAddEstimate(a._v.As<T, float>(), b._v.As<T, float>(), c._v.As<T, float>()).As<float, T>());
        }

        if (typeof(T) == typeof(double))
        {
            return new(Vector256.MultiplyAddEstimate(a._v.As<T, double>(), b._v.As<T, double>(), c._v.As<T, double>()).As<double, T>());
        }

        return new((a._v * b._v) + c._v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256<T> Add(Simd256<T> a, Simd256<T> b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Simd256<T> value) => Vector256.Sum(value._v);
}

internal readonly struct Simd128<T>(Vector128<T> value) : ISimd<Simd128<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector128<T> _v = value;

    public static int Count => Vector128<T>.Count;

    public static Simd128<T> Zero => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128<T> Broadcast(T value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128<T> Load(ref T source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd128<T> value, ref T destination, nuint offset) => value._v.StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128<T> MultiplyAdd(Simd128<T> a, Simd128<T> b, Simd128<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return new(Vector128.MultiplyAddEstimate(a._v.As<T, float>(), b._v.As<T, float>(), c._v.As<T, float>()).As<float, T>());
        }

        if (typeof(T) == typeof(double))
        {
            return new(Vector128.MultiplyAddEstimate(a._v.As<T, double>(), b._v.As<T, double>(), c._v.As<T, double>()).As<double, T>());
        }

        return new((a._v * b._v) + c._v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128<T> Add(Simd128<T> a, Simd128<T> b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Simd128<T> value) => Vector128.Sum(value._v);
}

/// <summary>One lane: the portable fallback, and the reference the SIMD widths are tested against.</summary>
internal readonly struct ScalarSimd<T>(T value) : ISimd<ScalarSimd<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _v = value;

    public static int Count => 1;

    public static ScalarSimd<T> Zero => new(T.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarSimd<T> Broadcast(T value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarSimd<T> Load(ref T source, nuint offset) => new(Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ScalarSimd<T> value, ref T destination, nuint offset) => Unsafe.Add(ref destination, offset) = value._v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarSimd<T> MultiplyAdd(ScalarSimd<T> a, ScalarSimd<T> b, ScalarSimd<T> c) => new((a._v * b._v) + c._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarSimd<T> Add(ScalarSimd<T> a, ScalarSimd<T> b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(ScalarSimd<T> value) => value._v;
}
