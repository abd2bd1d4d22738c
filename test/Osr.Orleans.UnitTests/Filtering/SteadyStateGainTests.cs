using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.RootFinding;
using Osr.Orleans.Models.Filtering;
using static Osr.Orleans.UnitTests.Filtering.FilterTestKit;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>
/// With a fixed dt the Kalman gain converges to the solution of the discrete algebraic
/// Riccati equation (DARE). Two independent oracles:
/// <list type="number">
/// <item>Closed-form α–β relations of the CWNA model, derived from the DARE fixed point
/// (posterior p₀₀ = αr, p₀₁ = (β/T)r; prior from P⁻ = FPFᵀ + Q):
/// β² = λ²(1 − α) with tracking index λ² = qT³/r, and α² + αβ − 2β + β²/6 = 0
/// (the DWNA analogue is in Bar-Shalom, Li &amp; Kirubarajan, "Estimation with Applications to
/// Tracking and Navigation", §6.5); solved for β ∈ (0, 3 − √3) with MathNet Brent.</item>
/// <item>The DARE fixed point P⁻ = F(P⁻ − P⁻Hᵀ(HP⁻Hᵀ + R)⁻¹HP⁻)Fᵀ + Q iterated with MathNet
/// dense matrices until ‖ΔP‖ &lt; 1e-13, K = P⁻Hᵀ(HP⁻Hᵀ + R)⁻¹.</item>
/// </list>
/// The hot filter's gain is read from its posterior covariance by the identity K = P⁺HᵀR⁻¹.
/// </summary>
public sealed class SteadyStateGainTests
{
    private static (double Alpha, double Beta) AlphaBeta(double q, double T, double r)
    {
        var lambda2 = q * T * T * T / r;
        double Alpha(double beta) => (-beta + Math.Sqrt(beta * beta / 3.0 + 8.0 * beta)) / 2.0;
        var beta = Brent.FindRoot(b => b * b - lambda2 * (1.0 - Alpha(b)), 1e-15, 3.0 - Math.Sqrt(3.0), 1e-15, 200);
        return (Alpha(beta), beta);
    }

    private static Matrix<double> RiccatiGain(int axes, double q, double T, double r)
    {
        var f = KalmanFilter.ConstantVelocityTransition(axes, T);
        var qm = KalmanFilter.ConstantVelocityProcessNoise(axes, T, q);
        var h = KalmanFilter.PositionObservation(axes);
        var rm = Matrix<double>.Build.DenseIdentity(axes) * r;
        var p = Matrix<double>.Build.DenseIdentity(2 * axes) * 100.0;
        for (var i = 0; i < 100_000; i++)
        {
            var s = h * p * h.Transpose() + rm;
            var next = f * (p - p * h.Transpose() * s.Inverse() * h * p) * f.Transpose() + qm;
            var delta = (next - p).FrobeniusNorm();
            p = next;
            if (delta < 1e-13)
            {
                break;
            }
        }

        return p * h.Transpose() * (h * p * h.Transpose() + rm).Inverse();
    }

    [Theory]
    [InlineData(0.02, 1.0, 16.0)]  // default HR q, watch σ = 4 bpm, 1 Hz
    [InlineData(0.1, 0.5, 0.16)]   // default speed q, watch σ = 0.4 m/s, 2 Hz
    [InlineData(2.0, 2.0, 9.0)]    // default cadence q, σ = 3 spm, 0.5 Hz
    public void LevelTrendGainConvergesToClosedFormSteadyState(double q, double T, double r)
    {
        var model = new ChannelModel(q, 1.0, 1, 1.0, TimeSpan.FromHours(1), TimeSpan.Zero, 1);
        var filter = default(LevelTrendFilter);
        for (var k = 0; k < 5000; k++)
        {
            filter.Update(model, At(k * T), 60.0, r); // constant signal
        }

        var (alpha, beta) = AlphaBeta(q, T, r);
        var gain = RiccatiGain(1, q, T, r);
        gain[0, 0].Should().BeApproximately(alpha, 1e-9, "the two oracles agree with each other");
        gain[1, 0].Should().BeApproximately(beta / T, 1e-9, "the two oracles agree with each other");
        (filter.P00 / r).Should().BeApproximately(alpha, 1e-9, "K₀ = p₀₀⁺/r → α");
        (filter.P01 / r).Should().BeApproximately(beta / T, 1e-9, "K₁ = p₀₁⁺/r → β/T");
    }

    [Fact]
    public void PositionGainConvergesToFourStateRiccatiFixedPoint()
    {
        var model = Fixed.Models.Position;
        const double T = 1.0, r = 25.0; // 1 Hz, σ = 5 m
        var filter = default(PositionFilter);
        for (var k = 0; k < 5000; k++)
        {
            filter.Update(model, At(k * T), 52.0, 4.0, r);
        }

        var gain = RiccatiGain(2, model.ProcessNoise, T, r); // 4×2
        var (alpha, beta) = AlphaBeta(model.ProcessNoise, T, r);
        for (var a = 0; a < 2; a++)
        {
            (filter.P00 / r).Should().BeApproximately(gain[a, a], 1e-9);
            (filter.P01 / r).Should().BeApproximately(gain[2 + a, a], 1e-9);
            gain[a, 1 - a].Should().BeApproximately(0.0, 1e-12, "axes are decoupled");
        }

        (filter.P00 / r).Should().BeApproximately(alpha, 1e-9, "per axis, the α–β closed form holds too");
        (filter.P01 / r).Should().BeApproximately(beta / T, 1e-9);
    }

    [Fact]
    public void DefaultHrSettingsSmoothAWatchToAboutHalfItsNoise()
    {
        // Closed form above: filtered std / raw std = √(p₀₀⁺/r) = √α (documented on FilterOptions).
        var (alpha, _) = AlphaBeta(FilterOptions.Default.Hr.ProcessNoise, 1.0, 16.0);
        Math.Sqrt(alpha).Should().BeInRange(0.40, 0.50);
    }
}
