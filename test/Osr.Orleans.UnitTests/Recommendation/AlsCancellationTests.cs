using System.Diagnostics;
using Osr.Orleans.Models.Recommendation;
using Xunit.Abstractions;
using static Osr.Orleans.UnitTests.Recommendation.RecommendationTestKit;

namespace Osr.Orleans.UnitTests.Recommendation;

/// <summary>
/// Timing-sensitive tests run alone: other tests' parallel loops can starve the thread pool,
/// delaying both the CancelAfter timer and the loop's worker tasks by seconds.
/// </summary>
[CollectionDefinition(nameof(AlsTimingCollection), DisableParallelization = true)]
public sealed class AlsTimingCollection;

[Collection(nameof(AlsTimingCollection))]
public sealed class AlsCancellationTests(ITestOutputHelper output)
{
    [Fact]
    public void CancellationStopsTrainingWithinAnIteration()
    {
        // An exact rank-256 iteration on 400k pairs takes several seconds here (k³/3 per row);
        // cancelling 100 ms in must end training within one block of rows. The latency is
        // measured from the moment the token is actually cancelled (the CancelAfter timer runs
        // on the thread pool, which other tests may be keeping busy).
        var data = SyntheticInteractions.Generate(new SyntheticOptions { Users = 20_000, Items = 4000, Interactions = 400_000, Seed = 5 }).ToMatrix();
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress();
        var clock = Stopwatch.StartNew();
        var cancelledAt = TimeSpan.Zero;
        using var registration = cancel.Token.Register(() => cancelledAt = clock.Elapsed);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(100));
        var train = () => ImplicitAlsTrainer.Train(data, new AlsOptions { Rank = 256, Iterations = 50, Solver = AlsSolver.Cholesky }, progress, cancel.Token);
        train.Should().Throw<OperationCanceledException>();
        var latency = clock.Elapsed - cancelledAt;
        output.WriteLine($"cancelled at {cancelledAt.TotalMilliseconds:F0} ms, stopped {latency.TotalMilliseconds:F0} ms later, {progress.Reports.Count} iterations done");
        progress.Reports.Should().BeEmpty();
        latency.Should().BeLessThan(TimeSpan.FromSeconds(1));
    }
}
