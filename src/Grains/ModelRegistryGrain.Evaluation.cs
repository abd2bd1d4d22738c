using Microsoft.Extensions.DependencyInjection;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains;

/// <summary>Off-policy evaluation and promote-if-better on it (docs/notifications.md "Off-policy evaluation").</summary>
public sealed partial class ModelRegistryGrain
{
    /// <inheritdoc/>
    /// <remarks>
    /// Promotion rule: the candidate's doubly-robust 95 % lower bound on conversion per push must
    /// exceed the active version's doubly-robust estimate — better beyond its own uncertainty, not
    /// only on held-out log-loss. The prior cannot be promoted (roll back to return to it).
    /// </remarks>
    public async ValueTask<PropensityEvaluation> EvaluatePropensityAsync(string version, bool promoteIfBetter)
    {
        var evaluator = ServiceProvider.GetRequiredService<PropensityEvaluationService>();
        var result = await evaluator.EvaluateAsync(version, Active(PropensityModels.Kind));
        if (!result.Ok || !promoteIfBetter || result.Candidate is not { } candidate || result.Active is not { } active) return result;

        string verdict;
        var promoted = false;
        if (candidate.Version == active.Version) verdict = $"{version} is already active";
        else if (candidate.Version == PropensityModel.PriorVersion) verdict = "the prior is not promoted (use: osr-admin model rollback propensity)";
        else if (candidate.DoublyRobust.Lower > active.DoublyRobust.Value)
        {
            await ActivateAsync(PropensityModels.Kind, version, pushCurrent: true, Models.Audit.AuditActions.ModelPromote);
            promoted = true;
            verdict = $"promoted: DR lower bound {candidate.DoublyRobust.Lower:0.0000} > active {active.Version} DR {active.DoublyRobust.Value:0.0000}";
        }
        else verdict = $"not promoted: DR lower bound {candidate.DoublyRobust.Lower:0.0000} ≤ active {active.Version} DR {active.DoublyRobust.Value:0.0000}";

        return result with
        {
            Promoted = promoted,
            Message = result.Message + "; " + verdict,
            ActiveVersion = promoted ? version : result.ActiveVersion,
        };
    }
}
