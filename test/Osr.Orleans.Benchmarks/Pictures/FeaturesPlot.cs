using System.Globalization;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;
using Osr.Orleans.UnitTests.Filtering;
using ScottPlot;

namespace Osr.Orleans.Benchmarks.Pictures;

/// <summary>
/// <c>features-plot OUT.png TRACK.(tcx|gpx) [--zone IANA] [--device KIND] [--age YEARS]</c>: replays a recorded
/// track through the product's filters and activity tracker (<see cref="FilterTrace"/>) and draws raw heart rate,
/// filtered heart rate with its ±2σ band, the labels as shaded spans and, when the track has it, speed on a second
/// axis, on the track's local time axis. docs/features.md shows the output.
/// </summary>
public static class FeaturesPlot
{
    private const int Width = 1200, Height = 600;

    public static int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: features-plot OUT.png TRACK.(tcx|gpx) [--zone IANA] [--device watch|phone|chest-strap|bike] [--age YEARS]");
            return 2;
        }

        var output = args[1];
        var track = args[2];
        var zone = Option(args, "--zone") ?? "UTC";
        var device = Option(args, "--device") ?? "watch";
        int? age = Option(args, "--age") is { } a ? int.Parse(a, CultureInfo.InvariantCulture) : null;
        if (!File.Exists(track))
        {
            Console.Error.WriteLine($"{track}: no such file.");
            return 1;
        }

        var profile = new UserProfile(age, zone, null);
        var points = TrackReader.Read(track);
        var seq = 0L;
        // Cadence stays out: the exports write one foot's rpm, the product reads steps per minute.
        var readings = points.Select(p => new Reading(seq++, p.Time.UtcTicks, InRange(p.Hr, 20, 250), InRange(p.Speed, 0, 100),
            double.NaN, double.NaN, p.Lat, p.Lon));
        var trace = FilterTrace.Replay(readings, device, profile);
        if (trace.Length == 0)
        {
            Console.Error.WriteLine($"{track}: no reading with a time.");
            return 1;
        }

        Draw(trace, Path.GetFileName(track), profile, device).SavePng(output, Width, Height);
        var spans = FilterTrace.LabelSpans(trace);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {output}: {trace.Length} readings, {trace.Count(p => p.HrOutlier)} HR outliers, labels {string.Join(" → ", spans.Select(s => s.Label.Name()))}"));
        return 0;
    }

    private static Plot Draw(FilterTracePoint[] trace, string name, UserProfile profile, string device)
    {
        var plot = new Plot();
        double X(long ticks) => UserTimeZones.ToLocal(ticks, profile.TimeZoneId).ToOADate();

        var hrMin = double.MaxValue;
        var hrMax = double.MinValue;
        foreach (var p in trace)
        {
            if (!double.IsNaN(p.RawHr)) { hrMin = Math.Min(hrMin, p.RawHr); hrMax = Math.Max(hrMax, p.RawHr); }
        }

        foreach (var (span, color) in FilterTrace.LabelSpans(trace).Select(s => (s, LabelColor(s.Label))))
        {
            var shade = plot.Add.HorizontalSpan(X(span.FromUtcTicks), X(span.ToUtcTicks));
            shade.FillStyle.Color = color.WithAlpha(0.18);
            shade.LineStyle.Width = 0;
            shade.LegendText = "";
        }
        // One legend entry per label that occurs, in order of first appearance.
        foreach (var label in FilterTrace.LabelSpans(trace).Select(s => s.Label).Distinct())
        {
            var key = plot.Add.HorizontalSpan(double.NaN, double.NaN);
            key.FillStyle.Color = LabelColor(label).WithAlpha(0.35);
            key.LineStyle.Width = 0;
            key.LegendText = $"label: {label.Name()}";
        }

        var known = trace.Where(p => !double.IsNaN(p.Hr)).ToArray();
        var xs = known.Select(p => X(p.TimestampUtcTicks)).ToArray();
        var band = plot.Add.FillY(xs, known.Select(p => p.Hr + 2 * p.HrStd).ToArray(), known.Select(p => p.Hr - 2 * p.HrStd).ToArray());
        band.FillStyle.Color = Colors.SteelBlue.WithAlpha(0.3);
        band.LineStyle.Width = 0;
        band.LegendText = "filtered HR ± 2σ (the filter's own variance)";

        var filtered = plot.Add.ScatterLine(xs, known.Select(p => p.Hr).ToArray());
        filtered.Color = Colors.Navy;
        filtered.LineWidth = 2;
        filtered.LegendText = "filtered HR";

        var raw = trace.Where(p => !double.IsNaN(p.RawHr) && !p.HrOutlier).ToArray();
        var rawDots = plot.Add.ScatterPoints(raw.Select(p => X(p.TimestampUtcTicks)).ToArray(), raw.Select(p => p.RawHr).ToArray());
        rawDots.Color = Colors.DimGray;
        rawDots.MarkerSize = 3;
        rawDots.LegendText = $"raw HR ({device} reading)";

        var gated = trace.Where(p => p.HrOutlier).ToArray();
        if (gated.Length > 0)
        {
            var outliers = plot.Add.ScatterPoints(gated.Select(p => X(p.TimestampUtcTicks)).ToArray(), gated.Select(p => p.RawHr).ToArray());
            outliers.Color = Colors.Red;
            outliers.MarkerShape = MarkerShape.Eks;
            outliers.MarkerSize = 7;
            outliers.LegendText = "raw HR gated as outlier";
        }

        var speed = trace.Where(p => !double.IsNaN(p.Speed)).ToArray();
        if (speed.Length > 0)
        {
            var line = plot.Add.ScatterLine(speed.Select(p => X(p.TimestampUtcTicks)).ToArray(), speed.Select(p => p.Speed).ToArray());
            line.Color = Colors.DarkOrange;
            line.LineWidth = 1.5f;
            line.LegendText = "filtered speed (right axis)";
            line.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "speed, m/s";
        }

        var time = plot.Axes.DateTimeTicksBottom();
        if (time.TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic ticks)
            ticks.LabelFormatter = t => t.ToString("HH:mm", CultureInfo.InvariantCulture);
        plot.Axes.SetLimitsY(Math.Floor((hrMin - 15) / 10) * 10, Math.Ceiling((hrMax + 15) / 10) * 10);
        var day = UserTimeZones.ToLocal(trace[0].TimestampUtcTicks, profile.TimeZoneId).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        plot.Title($"Heart rate: raw, filtered ±2σ, activity label — {name}, {day}");
        plot.XLabel(profile.TimeZoneId == "UTC" ? "time (UTC)" : $"local time ({profile.TimeZoneId})");
        plot.YLabel("heart rate, bpm");
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    private static Color LabelColor(ActivityLabel label) => label switch
    {
        ActivityLabel.Rest => Colors.SeaGreen,
        ActivityLabel.Active => Colors.Gold,
        ActivityLabel.Workout => Colors.Crimson,
        ActivityLabel.PostWorkout => Colors.MediumPurple,
        ActivityLabel.Commute => Colors.Teal,
        ActivityLabel.Sleep => Colors.SlateGray,
        _ => Colors.LightGray,
    };

    internal static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static double InRange(double value, double min, double max) => value >= min && value <= max ? value : double.NaN;
}
