using System.Globalization;
using ScottPlot;

namespace Osr.Orleans.Benchmarks.Pictures;

/// <summary>
/// <c>ingest-p99-plot CSV PNG</c>: docs/ingest-p99.png from the CSV that test/Osr.Orleans.Benchmarks/Ingest/modes.sh writes
/// (columns <c>mode, offered_per_s, …, p50_ms, p99_ms, …</c>): publish → applied p99 (solid) and p50 (dashed) against the
/// offered load, one colour per mode (embedded, external Mosquitto, bare Mosquitto), log-scaled latency.
/// </summary>
public static class IngestP99Plot
{
    private const int Width = 1200;
    private const int Height = 560;

    private static readonly (string Mode, string Label, string Colour)[] Modes =
    [
        ("embedded", "embedded", "#1f77b4"),
        ("external", "external Mosquitto", "#d62728"),
        ("bare", "bare Mosquitto, no grains", "#2ca02c"),
    ];

    public static int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: ingest-p99-plot CSV PNG");
            return 2;
        }

        var lines = File.ReadAllLines(args[1]);
        var header = lines[0].Split(',');
        int Col(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new FormatException($"{args[1]}: no column '{name}'");
        var (mode, load, p50, p99, devices) = (Col("mode"), Col("offered_per_s"), Col("p50_ms"), Col("p99_ms"), Col("devices"));
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        static double D(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

        var plot = new Plot();
        // One series per mode and fleet size (about 1k or 10k devices).
        foreach (var ((key, name, colour), fleet) in Modes.SelectMany(m => rows.Select(r => D(r[devices]) >= 5000 ? 10 : 1).Distinct().Order().Select(f => (m, f))))
        {
            var points = rows.Where(r => r[mode] == key && (D(r[devices]) >= 5000 ? 10 : 1) == fleet).OrderBy(r => D(r[load])).ToList();
            if (points.Count == 0) continue;
            var label = $"{name}, {fleet}k devices";
            var xs = points.Select(r => D(r[load])).ToArray();
            var p99Line = plot.Add.ScatterLine(xs, points.Select(r => Math.Log10(D(r[p99]))).ToArray());
            p99Line.Color = Color.FromHex(colour);
            p99Line.LineWidth = 2;
            p99Line.MarkerSize = 8;
            p99Line.MarkerShape = fleet == 1 ? MarkerShape.FilledCircle : MarkerShape.FilledSquare;
            p99Line.LegendText = $"{label}: p99";
            var p50Line = plot.Add.ScatterLine(xs, points.Select(r => Math.Log10(D(r[p50]))).ToArray());
            p50Line.Color = Color.FromHex(colour);
            p50Line.LinePattern = LinePattern.Dashed;
            p50Line.MarkerSize = 5;
            p50Line.MarkerShape = fleet == 1 ? MarkerShape.FilledCircle : MarkerShape.FilledSquare;
            p50Line.LegendText = $"{label}: p50";
        }

        // Latency on a log scale: the data are log10(ms); the ticks say ms.
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var ms in new[] { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000 }) ticks.AddMajor(Math.Log10(ms), ms.ToString(CultureInfo.InvariantCulture));
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.Left.Label.Text = "reading ts → applied (ms, log scale)";
        plot.Axes.Bottom.Label.Text = "offered load (readings/s, QoS 1)";
        plot.Title("Ingest publish → applied p99 (solid) and p50 (dashed) vs offered load");
        plot.Legend.Orientation = Orientation.Horizontal;
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(args[2], Width, Height);
        Console.WriteLine($"wrote {args[2]} from {rows.Count} rows of {args[1]}");
        return 0;
    }
}
