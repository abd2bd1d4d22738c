using Orleans.Concurrency;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IPropensityScorerGrain"/>
/// <remarks>
/// A batch version serves the linear model extracted from the ML.NET training (weights, bias,
/// Platt calibration) with a stack-allocated feature vector per pair. Key
/// <see cref="PropensityModel.PriorVersion"/> serves the neutral prior; key
/// <see cref="OnlinePropensity.Version"/> this silo's copy of the online posterior
/// (<see cref="OnlinePosterior"/>), read, never learned, here.
/// </remarks>
[StatelessWorker]
public sealed class PropensityScorerGrain(ModelRepository repository, OnlinePosterior online) : Grain, IPropensityScorerGrain
{
    private PropensityModel? _model;

    private bool IsOnline => this.GetPrimaryKeyString() == OnlinePropensity.Version;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!IsOnline) _model = await repository.LoadPropensityAsync(this.GetPrimaryKeyString());
    }

    public ValueTask<double[]> ScoreAsync(PropensityRequest request)
    {
        var result = new double[request.Categories.Length];
        if (IsOnline)
        {
            var model = online.Current;
            var context = Context(request);
            for (var i = 0; i < result.Length; i++) result[i] = model.Mean(in context, request.Categories[i]);
            return ValueTask.FromResult(result);
        }
        var label = DecisionFeatures.ParseLabel(request.Label);
        var features = DecisionFeatures.ToVector(request.Features);
        for (var i = 0; i < result.Length; i++)
            result[i] = _model!.Score(new PropensityInput(label, features, request.Categories[i]));
        return ValueTask.FromResult(result);
    }

    public async ValueTask<PropensitySample> SampleAsync(PropensityRequest request)
    {
        var n = request.Categories.Length;
        var rows = Math.Max(0, request.Draws) + 1;
        var mean = await ScoreAsync(request);
        var draws = new double[rows * n];
        if (!IsOnline)
        {
            for (var r = 0; r < rows; r++) mean.CopyTo(draws, r * n);
            return new PropensitySample(mean, draws);
        }
        var model = online.Current;
        var context = Context(request);
        for (var r = 0; r < rows; r++)
        {
            var seed = BudgetRescorer.RowSeed(request.Seed, r);
            for (var i = 0; i < n; i++) draws[r * n + i] = model.Draw(in context, request.Categories[i], seed, spread: Math.Clamp(request.Spread, 0, 1));
        }
        return new PropensitySample(mean, draws);
    }

    private static PropensityContext Context(PropensityRequest request) =>
        new(DecisionFeatures.ParseLabel(request.Label), DecisionFeatures.ToVector(request.Features), request.Segment);
}
