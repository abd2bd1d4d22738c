using System.Globalization;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Scoring;
using Osr.Orleans.Models.Scoring.OffPolicy;

namespace Osr.Orleans.Grains.Recommendation;

/// <summary>
/// Off-policy evaluation of propensity versions from the decision log, on the silo where the
/// models and the log are (docs/notifications.md "Off-policy evaluation"): reads every decision,
/// keeps the opportunities (<see cref="DecisionLogOpportunities"/>), scores them with each
/// version through <see cref="PropensityModel.Score"/>, and estimates each version's push policy
/// (<see cref="PushPolicyEvaluation"/>). Reading and scoring run off the grain's thread.
/// </summary>
public sealed partial class PropensityEvaluationService(
    IDecisionLog decisions,
    ModelRepository repository,
    ILogger<PropensityEvaluationService> logger)
{
    /// <summary>Estimates for <paramref name="version"/> and <paramref name="activeVersion"/> (null: the neutral prior).</summary>
    public async Task<PropensityEvaluation> EvaluateAsync(string version, string? activeVersion, CancellationToken cancellationToken = default)
    {
        var active = activeVersion ?? PropensityModel.PriorVersion;
        if (string.IsNullOrWhiteSpace(version)) return Refused(true, "a propensity version is required (see: osr-admin model list)", active);
        if (version != PropensityModel.PriorVersion && !(await repository.ListPropensityAsync()).Any(m => m.Version == version))
            return Refused(true, $"no propensity model version '{version}' (see: osr-admin model list)", active);

        PropensityModel candidate, current;
        try
        {
            candidate = await repository.LoadPropensityAsync(version);
            current = await repository.LoadPropensityAsync(active);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            Log.LoadFailed(logger, ex, version);
            return Refused(false, $"could not load a propensity model: {ex.Message}", active);
        }

        var logged = new List<DecisionWithFeedback>();
        await foreach (var d in decisions.ReadDecisionsAsync(0, long.MaxValue, cancellationToken)) logged.Add(d);

        return await Task.Run(() => Evaluate(logged, candidate, current), cancellationToken);
    }

    private PropensityEvaluation Evaluate(List<DecisionWithFeedback> logged, PropensityModel candidate, PropensityModel current)
    {
        var threshold = RuleName.Threshold.Code();
        var floor = DecisionLogOpportunities.ExploreFloor(
            logged.Where(d => d.Decision.Outcome == DecisionOutcomes.Sent && d.Decision.Reason == DecisionOutcomes.Explore)
                .Select(d => d.Decision.SendProbability),
            EffectiveRules.Defaults.ExploreRate);
        var opportunities = new List<LoggedOpportunity>(logged.Count);
        var inputs = new List<PropensityInput>(logged.Count);
        foreach (var (d, feedback) in logged)
        {
            var sent = d.Outcome == DecisionOutcomes.Sent;
            var o = DecisionLogOpportunities.FromLog(sent, sent && d.Reason == DecisionOutcomes.Explore,
                d.Outcome == DecisionOutcomes.Suppressed && d.Reason == threshold, d.SendProbability, d.Raw, d.Propensity,
                feedback.Contains(FeedbackAction.Converted), floor);
            if (o is null) continue;
            opportunities.Add(o.Value);
            inputs.Add(new PropensityInput(DecisionFeatures.ParseLabel(d.Label), DecisionFeatures.ToVector(d.Features), d.Category));
        }

        var active = current.Version;
        if (opportunities.Count == 0)
            return Refused(false, "the decision log has no pushes or threshold-held candidates to evaluate on", active);
        var ops = opportunities.ToArray();
        var pushes = ops.Count(o => o.Sent);
        if (pushes == 0) return Refused(false, "the decision log has no pushes yet: nothing says what a push converts", active);
        var baseRate = (double)ops.Count(o => o.Sent && o.Converted) / pushes;

        var candidateValue = Value(candidate, ops, inputs, floor, baseRate);
        var activeValue = Value(current, ops, inputs, floor, baseRate);
        Log.Evaluated(logger, candidate.Version, candidateValue.DoublyRobust.Value, active, activeValue.DoublyRobust.Value, ops.Length);
        return new PropensityEvaluation(true, false,
            string.Create(CultureInfo.InvariantCulture, $"evaluated on {ops.Length:N0} logged decisions ({pushes:N0} pushes, exploration floor {floor:0.###})"),
            candidateValue, activeValue, ops.Length, candidateValue.Pushes, candidateValue.Conversions, floor, false, active);
    }

    private static Scored Value(PropensityModel model, LoggedOpportunity[] ops, List<PropensityInput> inputs, double floor, double baseRate)
    {
        var p = new double[ops.Length];
        for (var i = 0; i < p.Length; i++) p[i] = model.Score(inputs[i]);
        var pi = new double[ops.Length];
        PushPolicyEvaluation.ThresholdPolicy(ops, p, floor, pi);
        // DR's reward model: the model's own P(convert | state, category); the prior says nothing, so the base rate.
        if (model.IsPrior) Array.Fill(p, baseRate);
        var v = PushPolicyEvaluation.Evaluate(ops, pi, p);
        return new Scored(model.Version, v.PushRate, View(v.Ips), View(v.SelfNormalizedIps), View(v.DoublyRobust), v.EffectiveSampleSize,
            v.LoggedPushes, v.LoggedConversions);
    }

    private static OpeEstimateView View(OffPolicyEstimate e) => new(e.Value, e.StandardError, e.Lower, e.Upper);

    private static PropensityEvaluation Refused(bool badInput, string message, string? active) =>
        new(false, badInput, message, null, null, 0, 0, 0, 0, false, active);

    /// <summary>A version's value with the log's counts.</summary>
    private sealed record Scored(string Version, double PushRate, OpeEstimateView Ips, OpeEstimateView Snips, OpeEstimateView Dr, double Ess, int Pushes, int Conversions)
    {
        public OpeEstimateView DoublyRobust => Dr;

        public static implicit operator PolicyValueView(Scored s) => new(s.Version, s.PushRate, s.Ips, s.Snips, s.Dr, s.Ess);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1321, Level = LogLevel.Information,
            Message = "Off-policy evaluation on {Decisions} decisions: {Candidate} DR {CandidateDr:0.0000} conversions per push, active {Active} {ActiveDr:0.0000}")]
        public static partial void Evaluated(ILogger logger, string candidate, double candidateDr, string active, double activeDr, int decisions);

        [LoggerMessage(EventId = 1322, Level = LogLevel.Warning, Message = "Off-policy evaluation could not load propensity model {Version}")]
        public static partial void LoadFailed(ILogger logger, Exception exception, string version);
    }
}
