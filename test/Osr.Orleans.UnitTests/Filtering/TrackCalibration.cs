using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>What one replay of a recorded track through a bank measured, per channel.</summary>
/// <param name="File">Track file name.</param>
/// <param name="Channel">The channel.</param>
/// <param name="Readings">Readings of that channel offered to the bank.</param>
/// <param name="Statistics">The bank's innovation statistics at the end.</param>
/// <param name="PredictionRms">RMS of (one-step prediction − reading) over the readings after
/// the first: how far the filter's estimate just before a reading was from it, i.e. the
/// tracking error including lag (position: metres, 2-D).</param>
public sealed record ChannelReplay(string File, FilterChannel Channel, int Readings, ChannelStatistics Statistics, double PredictionRms)
{
    public override string ToString() =>
        $"{File,-36} {Channel,-8} n={Readings,4} updates={Statistics.Updates,4} outliers={Statistics.Outliers,3} ({Statistics.OutlierShare:P1}) "
        + $"stops={Statistics.Stops,3} alpha={Statistics.ProcessScale:F3} meanNIS/m={Statistics.MeanNis / (Channel == FilterChannel.Position ? 2 : 1):F3} predRMS={PredictionRms:F3}";
}

/// <summary>
/// Replays a recorded track (<see cref="TrackReader"/>) through a <see cref="UserFilterBank"/> as
/// one device of the given kind carrying every sensor the file has (HR, speed, cadence,
/// position), in file order, and measures per channel the innovation statistics and the
/// one-step prediction error.
/// </summary>
public static class TrackCalibration
{
    public static string TrackDirectory => Path.Combine(AppContext.BaseDirectory, "TestData", "tracks");

    public static IEnumerable<string> TrackFiles() => Directory.EnumerateFiles(TrackDirectory)
        .Where(f => f.EndsWith(".gpx", StringComparison.Ordinal) || f.EndsWith(".tcx", StringComparison.Ordinal))
        .Select(Path.GetFileName)
        .OfType<string>()
        .Order(StringComparer.Ordinal);

    public static IReadOnlyList<ChannelReplay> Replay(string file, FilterOptions options, SensorNoise noise)
    {
        var points = TrackReader.Read(Path.Combine(TrackDirectory, file));
        var bank = new UserFilterBank(options);
        var counts = new int[FilterBankState.ChannelCount];
        var squares = new double[FilterBankState.ChannelCount];
        var predicted = new int[FilterBankState.ChannelCount];
        var seq = 0L;
        foreach (var p in points)
        {
            var reading = new Reading(seq++, p.Time.UtcTicks, InRange(p.Hr, 20, 250), InRange(p.Speed, 0, 100),
                InRange(p.Cadence, 0, 300), double.NaN, p.Lat, p.Lon);
            var before = bank.Estimate(reading.TimestampUtcTicks);
            Accumulate(FilterChannel.Hr, reading.Hr, before.Hr);
            Accumulate(FilterChannel.Speed, reading.Speed, before.Speed);
            Accumulate(FilterChannel.Cadence, reading.Cadence, before.Cadence);
            if (reading.HasPosition)
            {
                counts[(int)FilterChannel.Position]++;
                if (!double.IsNaN(before.Lat))
                {
                    var plane = new LocalTangentPlane(reading.Lat, reading.Lon);
                    plane.ToLocal(before.Lat, before.Lon, out var dx, out var dy);
                    squares[(int)FilterChannel.Position] += dx * dx + dy * dy;
                    predicted[(int)FilterChannel.Position]++;
                }
            }

            bank.Apply(reading, noise);
        }

        var result = new List<ChannelReplay>();
        foreach (var channel in new[] { FilterChannel.Hr, FilterChannel.Speed, FilterChannel.Cadence, FilterChannel.Position })
        {
            var c = (int)channel;
            if (counts[c] > 0)
            {
                result.Add(new ChannelReplay(file, channel, counts[c], bank.Statistics(channel),
                    predicted[c] == 0 ? double.NaN : Math.Sqrt(squares[c] / predicted[c])));
            }
        }

        return result;

        void Accumulate(FilterChannel channel, double z, double estimate)
        {
            if (double.IsNaN(z))
            {
                return;
            }

            var c = (int)channel;
            counts[c]++;
            if (!double.IsNaN(estimate))
            {
                squares[c] += (estimate - z) * (estimate - z);
                predicted[c]++;
            }
        }
    }

    private static double InRange(double value, double min, double max) =>
        value >= min && value <= max ? value : double.NaN;
}
