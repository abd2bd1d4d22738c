namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Measurement noise per device kind (the <c>kind</c> of a registered device). Values are
/// 1σ in typical use, chosen from the sensing principle:
/// <list type="bullet">
/// <item><c>watch</c>: optical (PPG) wrist HR, ±4 bpm; GNSS speed 0.4 m/s; wrist-accelerometer
/// cadence 3 spm; GNSS fix 5 m.</item>
/// <item><c>phone</c>: HR only from camera PPG or estimation, 6 bpm; pocket GNSS 10 m, speed
/// 0.6 m/s; cadence from a loosely coupled accelerometer 5 spm.</item>
/// <item><c>chest-strap</c>: ECG R–R intervals, 1.5 bpm (the best HR source); torso
/// accelerometer cadence 2 spm, acc 0.3 m/s²; speed estimated from running dynamics 0.5 m/s;
/// it has no GNSS, a position it relays is treated as poor (15 m).</item>
/// <item><c>bike</c>: head unit with wheel-speed sensor 0.15 m/s, crank cadence 2 rpm, GNSS 4 m,
/// paired HR 3 bpm; acceleration from a handlebar-mounted unit is vibration-noisy, 0.8 m/s².</item>
/// <item>anything else: <see cref="Default"/>, deliberately conservative.</item>
/// </list>
/// Matching is case-insensitive and ignores surrounding white space.
/// </summary>
public static class SensorNoiseProfiles
{
    public static SensorNoise Watch { get; } = new(HrStd: 4.0, SpeedStd: 0.4, CadenceStd: 3.0, AccStd: 0.5, PositionStdMetres: 5.0);

    public static SensorNoise Phone { get; } = new(HrStd: 6.0, SpeedStd: 0.6, CadenceStd: 5.0, AccStd: 0.6, PositionStdMetres: 10.0);

    public static SensorNoise ChestStrap { get; } = new(HrStd: 1.5, SpeedStd: 0.5, CadenceStd: 2.0, AccStd: 0.3, PositionStdMetres: 15.0);

    public static SensorNoise Bike { get; } = new(HrStd: 3.0, SpeedStd: 0.15, CadenceStd: 2.0, AccStd: 0.8, PositionStdMetres: 4.0);

    /// <summary>Unknown or missing kind.</summary>
    public static SensorNoise Default { get; } = new(HrStd: 5.0, SpeedStd: 0.6, CadenceStd: 5.0, AccStd: 0.7, PositionStdMetres: 12.0);

    /// <summary>The profile of <paramref name="deviceKind"/> (<c>watch</c>, <c>phone</c>, <c>chest-strap</c>, <c>bike</c>), else <see cref="Default"/>.</summary>
    public static SensorNoise For(string? deviceKind)
    {
        var kind = deviceKind.AsSpan().Trim();
        if (kind.Equals("watch", StringComparison.OrdinalIgnoreCase))
        {
            return Watch;
        }

        if (kind.Equals("phone", StringComparison.OrdinalIgnoreCase))
        {
            return Phone;
        }

        if (kind.Equals("chest-strap", StringComparison.OrdinalIgnoreCase))
        {
            return ChestStrap;
        }

        if (kind.Equals("bike", StringComparison.OrdinalIgnoreCase))
        {
            return Bike;
        }

        return Default;
    }
}
