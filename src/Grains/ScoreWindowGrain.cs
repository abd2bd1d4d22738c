using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IScoreWindowGrain"/>
/// <remarks>Not persisted: the window is a cache of recent scores that the silos refill within a second.</remarks>
public sealed class ScoreWindowGrain : Grain, IScoreWindowGrain
{
    private readonly RawScoreWindow _window = new(ScoreWindow.Window, ScoreWindow.Buckets);

    public ValueTask<RawScoreWindowSnapshot> ExchangeAsync(RawScoreWindowSnapshot local)
    {
        _window.Merge(local);
        return ValueTask.FromResult(_window.Snapshot());
    }
}
