namespace Osr.Orleans.Models.Readings;

/// <summary>
/// One validated sensor reading (docs/contract.md, "Reading"). A sensor that was absent from the
/// payload is <see cref="double.NaN"/> here: the parser rejects NaN on input, so inside the
/// system NaN unambiguously means "not measured".
/// </summary>
/// <param name="Seq">Strictly increasing per device, ≥ 0.</param>
/// <param name="TimestampUtcTicks">Event time as UTC ticks (<see cref="DateTime.Ticks"/>).</param>
/// <param name="Hr">Heart rate, beats/min, 20–250, or NaN.</param>
/// <param name="Speed">Speed, m/s, 0–100, or NaN.</param>
/// <param name="Cadence">Steps/min, 0–300, or NaN.</param>
/// <param name="Acc">Dynamic acceleration magnitude, m/s², 0–200, or NaN.</param>
/// <param name="Lat">Latitude, degrees, ±90, or NaN (then <paramref name="Lon"/> is NaN too).</param>
/// <param name="Lon">Longitude, degrees, ±180, or NaN.</param>
[GenerateSerializer, Immutable, Alias("osr.reading")]
public readonly record struct Reading(
    [property: Id(0)] long Seq,
    [property: Id(1)] long TimestampUtcTicks,
    [property: Id(2)] double Hr,
    [property: Id(3)] double Speed,
    [property: Id(4)] double Cadence,
    [property: Id(5)] double Acc,
    [property: Id(6)] double Lat,
    [property: Id(7)] double Lon)
{
    public DateTimeOffset Timestamp => new(TimestampUtcTicks, TimeSpan.Zero);

    public bool HasHr => !double.IsNaN(Hr);
    public bool HasSpeed => !double.IsNaN(Speed);
    public bool HasCadence => !double.IsNaN(Cadence);
    public bool HasAcc => !double.IsNaN(Acc);
    public bool HasPosition => !double.IsNaN(Lat);
}
