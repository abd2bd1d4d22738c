using System.Globalization;
using System.Text.Json;

namespace Osr.Orleans.Benchmarks.Recommendation;

/// <summary>
/// <c>learning-plot OUT.png RUN.json [RUN.json …]</c>: draws conversion per push and the OSR / state-blind ratio per
/// simulated day from the <c>byDay</c> array of <c>osr-admin simulate --clock event --json</c> backtests (one pair of
/// lines per run, labelled by the file name), with the ratio 1 (state-blind timing) marked; docs/benchmarks.md shows it.
/// </summary>
public static class LearningPlot
{
    public static int Run(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: learning-plot OUT.png RUN.json [RUN.json ...]");
            return 2;
        }

        var plot = new ScottPlot.Plot();
        foreach (var path in args[2..])
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("byDay", out var days) || days.ValueKind != JsonValueKind.Array)
            {
                Console.Error.WriteLine($"{path}: no byDay array (a backtest JSON of this version is needed).");
                return 1;
            }
            var name = Path.GetFileNameWithoutExtension(path);
            var (dx, conversion) = Series(days, "conversionPerPush");
            var (rx, ratio) = Series(days, "ratio");
            var c = plot.Add.Scatter(dx, conversion);
            c.LegendText = $"{name}: conversion per push";
            var r = plot.Add.Scatter(rx, ratio);
            r.LegendText = $"{name}: ratio OSR / state-blind";
            r.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        var one = plot.Add.HorizontalLine(1);
        one.LegendText = "ratio 1 (state-blind timing)";
        one.LinePattern = ScottPlot.LinePattern.Dotted;
        plot.Title("Learning from feedback: per simulated day");
        plot.XLabel("simulated day");
        plot.YLabel("conversion per push (fraction) / ratio");
        plot.ShowLegend();
        plot.SavePng(args[1], 1000, 560);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {args[1]}"));
        return 0;
    }

    private static (double[] X, double[] Y) Series(JsonElement days, string property)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var day in days.EnumerateArray())
        {
            if (!day.TryGetProperty(property, out var v) || v.ValueKind != JsonValueKind.Number) continue;
            xs.Add(day.GetProperty("day").GetDouble());
            ys.Add(v.GetDouble());
        }
        return ([.. xs], [.. ys]);
    }
}
