using Orleans.Concurrency;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IPropensityScorerGrain"/>
/// <remarks>
/// Serves the linear model extracted from the ML.NET training (weights, bias, Platt
/// calibration) with a stack-allocated feature vector per pair: no ML.NET prediction engine,
/// no allocation per pair. Key <see cref="PropensityModel.PriorVersion"/> serves the neutral prior.
/// </remarks>
[StatelessWorker]
public sealed class PropensityScorerGrain(ModelRepository repository) : Grain, IPropensityScorerGrain
{
    private PropensityModel? _model;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _model = await repository.LoadPropensityAsync(this.GetPrimaryKeyString());

    public ValueTask<double[]> ScoreAsync(PropensityRequest request)
    {
        var model = _model!;
        var label = DecisionFeatures.ParseLabel(request.Label);
        var features = DecisionFeatures.ToVector(request.Features);
        var result = new double[request.Categories.Length];
        for (var i = 0; i < result.Length; i++)
            result[i] = model.Score(new PropensityInput(label, features, request.Categories[i]));
        return ValueTask.FromResult(result);
    }
}
