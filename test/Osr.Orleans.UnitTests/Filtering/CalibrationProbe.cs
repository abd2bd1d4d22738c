using Osr.Orleans.Models.Filtering;
using Xunit.Abstractions;

namespace Osr.Orleans.UnitTests.Filtering;

public sealed class CalibrationProbe(ITestOutputHelper output)
{
    [Fact]
    public void Print()
    {
        var fixedOptions = new FilterOptions { Adaptation = new AdaptationOptions { Weight = 0 } };
        var variants = new List<(string, FilterOptions)> { ("fixed", fixedOptions), ("adaptive", FilterOptions.Default) };
        var spec = Environment.GetEnvironmentVariable("OSR_PROBE");
        if (spec is not null)
        {
            variants.Clear();
            foreach (var v in spec.Split(';'))
            {
                var f = v.Split(',').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                variants.Add((v, new FilterOptions { Adaptation = new AdaptationOptions { Weight = f[0], MinFactor = f[1], MaxFactor = f[2], ProcessWeight = f[3], MinProcessScale = f[4], MaxProcessScale = f[5] } }));
            }
        }

        foreach (var (name, options) in variants)
        {
            output.WriteLine(name);
            foreach (var file in TrackCalibration.TrackFiles())
            {
                foreach (var r in TrackCalibration.Replay(file, options, SensorNoiseProfiles.Watch))
                {
                    output.WriteLine(r.ToString());
                }
            }
        }
    }
}
