namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Measurement noise of one device, as standard deviations σ per channel; the filters use
/// R = σ² (position: R = σ²I, per axis). Every σ must be finite and &gt; 0.
/// </summary>
/// <param name="HrStd">σ of heart rate, bpm.</param>
/// <param name="SpeedStd">σ of speed, m/s.</param>
/// <param name="CadenceStd">σ of cadence, steps/min.</param>
/// <param name="AccStd">σ of dynamic acceleration magnitude, m/s².</param>
/// <param name="PositionStdMetres">σ of a position fix per horizontal axis, metres.</param>
[GenerateSerializer, Immutable, Alias("osr.sensor-noise")]
public readonly record struct SensorNoise(
    [property: Id(0)] double HrStd,
    [property: Id(1)] double SpeedStd,
    [property: Id(2)] double CadenceStd,
    [property: Id(3)] double AccStd,
    [property: Id(4)] double PositionStdMetres)
{
    /// <summary>True when every σ is finite and &gt; 0.</summary>
    public bool IsValid =>
        IsStd(HrStd) && IsStd(SpeedStd) && IsStd(CadenceStd) && IsStd(AccStd) && IsStd(PositionStdMetres);

    private static bool IsStd(double sigma) => sigma > 0 && sigma < double.PositiveInfinity;
}
