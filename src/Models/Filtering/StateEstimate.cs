namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// The filtered estimate of one user's physical state at <see cref="AsOfUtcTicks"/>, as read
/// from the per-channel Kalman filters. Every value is NaN while its channel has not been
/// observed yet (never a made-up number). Standard deviations are √P of the level state.
/// </summary>
public readonly record struct StateEstimate(
    long AsOfUtcTicks,
    double Hr, double HrStd, double HrTrendPerMin,
    double Speed, double SpeedStd,
    double Cadence, double CadenceStd,
    double Acc, double AccStd,
    double Lat, double Lon, double PositionStdMetres)
{
    public static StateEstimate Unknown(long asOfUtcTicks) => new(asOfUtcTicks,
        double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN,
        double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
}
