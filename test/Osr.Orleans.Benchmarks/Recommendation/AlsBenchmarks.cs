namespace Osr.Orleans.Benchmarks.Recommendation;

/// <summary>
/// Entry point of the timed ALS console benchmarks (Program.cs routes every <c>als-*</c> command here):
/// <c>als-train</c> (<see cref="AlsTrainingBenchmark"/>), <c>als-topn</c> (<see cref="AlsRetrievalBenchmark"/>),
/// <c>als-quality</c> (<see cref="AlsQualityBenchmark"/>). Micro-benchmarks run through BenchmarkDotNet
/// (<c>--filter '*TopN*'</c>, <c>'*FoldIn*'</c>).
/// </summary>
public static class AlsBenchmarks
{
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rest = args.Length > 0 ? args[1..] : [];
        switch (args.Length > 0 ? args[0] : "")
        {
            case "als-train":
                return AlsTrainingBenchmark.Run(rest);
            case "als-topn":
                return AlsRetrievalBenchmark.Run(rest);
            case "als-quality":
                return AlsQualityBenchmark.Run(rest);
            default:
                Console.Error.WriteLine("usage: als-train | als-topn | als-quality [options] (see docs/recommendation.md)");
                return 2;
        }
    }
}
