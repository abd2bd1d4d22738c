using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// General n-state linear Kalman filter on MathNet dense matrices: the readable REFERENCE that
/// the hand-unrolled hot-path filters (<see cref="LevelTrendFilter"/>,
/// <see cref="PositionFilter"/>) are tested against. Not for the per-reading path (it allocates
/// several matrices per step).
/// <para>Predict (time update), with transition F and process noise covariance Q:
/// x̂ₖ⁻ = F x̂ₖ₋₁,  Pₖ⁻ = F Pₖ₋₁ Fᵀ + Q.</para>
/// <para>Update (measurement update), with measurement zₖ (dimension m), model H (m×n) and
/// measurement noise covariance R (m×m, symmetric positive definite):
/// yₖ = zₖ − H x̂ₖ⁻ (innovation),  S = H Pₖ⁻ Hᵀ + R,  K = Pₖ⁻ Hᵀ S⁻¹,
/// x̂ₖ = x̂ₖ⁻ + K yₖ,  Pₖ = (I − KH) Pₖ⁻ (I − KH)ᵀ + K R Kᵀ (Joseph form: symmetric and
/// positive semi-definite even with rounding; the hot-path filters use the same form).</para>
/// <para>Normalised innovation squared: NIS = yᵀ S⁻¹ y ≥ 0, distributed χ²(m) when the
/// model is consistent. A missing measurement (null or NaN) means predict only.</para>
/// </summary>
public sealed class KalmanFilter
{
    /// <summary>Starts the filter at x̂₀ with covariance P₀ (n×n, symmetric positive semi-definite).</summary>
    public KalmanFilter(Vector<double> initialState, Matrix<double> initialCovariance)
    {
        ArgumentNullException.ThrowIfNull(initialState);
        ArgumentNullException.ThrowIfNull(initialCovariance);
        if (initialCovariance.RowCount != initialState.Count || initialCovariance.ColumnCount != initialState.Count)
        {
            throw new ArgumentException("P₀ must be n×n for an n-state x̂₀.", nameof(initialCovariance));
        }

        State = initialState.Clone();
        Covariance = initialCovariance.Clone();
    }

    /// <summary>The state estimate x̂ (n).</summary>
    public Vector<double> State { get; private set; }

    /// <summary>The error covariance P (n×n).</summary>
    public Matrix<double> Covariance { get; private set; }

    /// <summary>n, the number of states.</summary>
    public int Dimension => State.Count;

    /// <summary>Time update: x̂⁻ = F x̂, P⁻ = F P Fᵀ + Q.</summary>
    public void Predict(Matrix<double> f, Matrix<double> q)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(q);
        State = f * State;
        Covariance = f * Covariance * f.Transpose() + q;
    }

    /// <summary>
    /// The innovation y = z − H x̂⁻, its covariance S = H P⁻ Hᵀ + R and NIS = yᵀS⁻¹y of a
    /// measurement, without applying it.
    /// </summary>
    public KalmanUpdate Innovate(Vector<double> z, Matrix<double> h, Matrix<double> r) => Innovate(z, h, r, out _);

    /// <summary>
    /// Measurement update (equations in the class summary). The measurement is applied only
    /// when NIS ≤ <paramref name="nisGate"/> (default +∞: always); otherwise the state is left
    /// as predicted and the result has <see cref="KalmanUpdate.Applied"/> = false. Returns null
    /// for a missing measurement (<paramref name="z"/> null or containing NaN): predict only.
    /// </summary>
    public KalmanUpdate? Update(Vector<double>? z, Matrix<double> h, Matrix<double> r, double nisGate = double.PositiveInfinity)
    {
        if (z is null || z.Exists(double.IsNaN))
        {
            return null;
        }

        var innovation = Innovate(z, h, r, out var sFactor);
        if (!(innovation.Nis <= nisGate))
        {
            return innovation;
        }

        var p = Covariance;
        // K = P⁻Hᵀ S⁻¹ computed as (S⁻¹ H P⁻)ᵀ, S and P⁻ being symmetric.
        var k = sFactor.Solve(h * p).Transpose();
        State = State + k * innovation.Innovation;
        var a = Matrix<double>.Build.DenseIdentity(Dimension) - k * h;
        Covariance = a * p * a.Transpose() + k * r * k.Transpose();
        return innovation with { Applied = true };
    }

    private KalmanUpdate Innovate(Vector<double> z, Matrix<double> h, Matrix<double> r, out Cholesky<double> sFactor)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(r);
        var y = z - h * State;
        var s = h * Covariance * h.Transpose() + r;
        sFactor = s.Cholesky(); // S = LLᵀ; throws if S is not positive definite
        var nis = y.DotProduct(sFactor.Solve(y));
        return new KalmanUpdate(y, s, nis, Applied: false);
    }

    /// <summary>
    /// Transition F of the constant-velocity model over <paramref name="dt"/> seconds for
    /// <paramref name="axes"/> axes, state ordered [positions…, velocities…]:
    /// F = [[I, dt·I], [0, I]].
    /// </summary>
    public static Matrix<double> ConstantVelocityTransition(int axes, double dt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(axes, 1);
        var f = Matrix<double>.Build.DenseIdentity(2 * axes);
        for (var i = 0; i < axes; i++)
        {
            f[i, axes + i] = dt;
        }

        return f;
    }

    /// <summary>
    /// Process noise of the continuous white-noise-acceleration (CWNA) model, exactly
    /// discretised over <paramref name="dt"/> seconds, per axis
    /// Q = q·[[dt³/3, dt²/2], [dt²/2, dt]], with q ≥ 0 the spectral density of the white
    /// noise driving the rate (units: level²/s³); same state ordering as
    /// <see cref="ConstantVelocityTransition"/>.
    /// </summary>
    public static Matrix<double> ConstantVelocityProcessNoise(int axes, double dt, double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(axes, 1);
        var m = Matrix<double>.Build.Dense(2 * axes, 2 * axes);
        for (var i = 0; i < axes; i++)
        {
            m[i, i] = q * dt * dt * dt / 3.0;
            m[i, axes + i] = q * dt * dt / 2.0;
            m[axes + i, i] = q * dt * dt / 2.0;
            m[axes + i, axes + i] = q * dt;
        }

        return m;
    }

    /// <summary>H that observes the positions of the constant-velocity model: H = [I, 0] (axes × 2·axes).</summary>
    public static Matrix<double> PositionObservation(int axes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(axes, 1);
        var h = Matrix<double>.Build.Dense(axes, 2 * axes);
        for (var i = 0; i < axes; i++)
        {
            h[i, i] = 1.0;
        }

        return h;
    }
}

/// <summary>
/// One measurement update of <see cref="KalmanFilter"/>: innovation y = z − H x̂⁻, its
/// covariance S = H P⁻ Hᵀ + R, NIS = yᵀS⁻¹y (≥ 0) and whether it passed the gate and was applied.
/// </summary>
public readonly record struct KalmanUpdate(
    Vector<double> Innovation, Matrix<double> InnovationCovariance, double Nis, bool Applied);
