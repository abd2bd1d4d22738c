using System.Globalization;
using System.IO.Compression;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

/// <summary>Helpers shared by the recommendation tests.</summary>
internal static class RecommendationTestKit
{
    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    public sealed class SyncProgress(Action<AlsProgress>? onReport = null) : IProgress<AlsProgress>
    {
        public List<AlsProgress> Reports { get; } = [];

        public void Report(AlsProgress value)
        {
            Reports.Add(value);
            onReport?.Invoke(value);
        }
    }

    public static double[] Widen(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>
    /// shared/datasets/{name}, found by walking up from the test's base directory (the repo
    /// sits beside shared/). Fails — never skips — when it is missing (shared/datasets/README.md).
    /// </summary>
    public static string Dataset(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", name);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"Dataset folder shared/datasets/{name} not found in any parent of {AppContext.BaseDirectory}. " +
            "This test needs the shared datasets checked out beside the repository (see shared/datasets/README.md).");
    }

    /// <summary>
    /// online-retail interactions.csv.gz (user_id,item_id,timestamp,quantity,invoice_no), one
    /// event per purchase line with weight 1 (so w = purchase lines per pair after summing), or
    /// log(1 + quantity) when <paramref name="logQuantity"/>.
    /// </summary>
    public static InteractionLog LoadOnlineRetail(bool logQuantity = false)
    {
        var path = Path.Combine(Dataset("online-retail"), "interactions.csv.gz");
        var log = new InteractionLog();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var header = reader.ReadLine();
        header.Should().Be("user_id,item_id,timestamp,quantity,invoice_no");
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(',');
            var quantity = double.Parse(f[3], CultureInfo.InvariantCulture);
            var weight = logQuantity ? (float)Math.Log(1 + quantity) : 1f;
            log.Add(f[0], f[1], weight, DateTimeOffset.Parse(f[2], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal));
        }

        return log;
    }
}
