namespace Osr.Orleans.Models.Scoring.OffPolicy;

/// <summary>
/// Off-policy evaluation of a propensity model as a push policy (docs/decisions.md 34).
/// <para><b>Decisions and actions.</b> Each <see cref="LoggedOpportunity"/> is a context xᵢ (the
/// state and the candidate the pass put forward) with two actions, send or hold. The reward of a
/// send is 1 when converted, else 0; a hold earns 0. The logging policy sent with probability
/// μᵢ = μ(send|xᵢ) (1 above the threshold, the exploration rate ε below it).</para>
/// <para><b>The evaluated policy</b> of a propensity model p′ (<see cref="ThresholdPolicy"/>):
/// raw′ᵢ = aᵢ · p′(xᵢ), the score the OSR normalises; the m opportunities with the highest raw′
/// are sent with probability 1, every other one with the exploration floor ε, where m is the
/// number of rule sends in the log. So the evaluated policy pushes as often as the logging
/// policy did (same budget), differs only in which moments it chooses, and has support wherever
/// the logging policy had (μ ≥ ε &gt; 0 wherever π &gt; 0, so every weight is finite).</para>
/// <para><b>Estimand.</b> Conversion per push, CPP(π) = V(π) / ρ(π), with V(π) = (1/n) Σᵢ π(send|xᵢ) q(xᵢ)
/// the expected conversions per decision (q = P(convert | x, send)) and ρ(π) = (1/n) Σᵢ π(send|xᵢ)
/// the pushes per decision, known exactly for the logged contexts. V is estimated by IPS, SNIPS and
/// DR (<see cref="OffPolicyEstimators"/>); the estimate and its interval are divided by ρ.</para>
/// <para><b>Samples.</b> A push: μ = μᵢ, π = πᵢ, r = converted, ŷ = q̂(xᵢ), v̂ = πᵢ q̂(xᵢ). A hold:
/// μ = 1 − μᵢ, π = 1 − πᵢ, r = 0, ŷ = 0, v̂ = πᵢ q̂(xᵢ). q̂ is the reward model of DR.</para>
/// </summary>
public static class PushPolicyEvaluation
{
    /// <summary>
    /// π(send|xᵢ) of the policy of a propensity model: 1 for the m = #(rule sends) opportunities with
    /// the highest raw′ᵢ = aᵢ · p′ᵢ (ties: earlier index first), <paramref name="exploreFloor"/> ε for the others.
    /// </summary>
    /// <param name="opportunities">The logged opportunities (aᵢ and which were rule sends).</param>
    /// <param name="propensities">p′ᵢ of the evaluated model for each opportunity, in (0, 1).</param>
    /// <param name="exploreFloor">ε ∈ (0, 1): the send probability below the threshold.</param>
    /// <param name="destination">π(send|xᵢ), one per opportunity.</param>
    public static void ThresholdPolicy(ReadOnlySpan<LoggedOpportunity> opportunities, ReadOnlySpan<double> propensities, double exploreFloor, Span<double> destination)
    {
        var n = opportunities.Length;
        if (propensities.Length != n || destination.Length != n)
        {
            throw new ArgumentException($"Need one propensity and one destination slot per opportunity ({n}).", nameof(propensities));
        }

        if (!(exploreFloor > 0 && exploreFloor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(exploreFloor), exploreFloor, "The exploration floor must be in (0, 1).");
        }

        var raw = new double[n];
        var order = new int[n];
        var budget = 0;
        for (var i = 0; i < n; i++)
        {
            raw[i] = opportunities[i].AffinityZ * propensities[i];
            if (!double.IsFinite(raw[i]))
            {
                throw new ArgumentException($"Opportunity {i}: affinity × propensity is not finite.", nameof(propensities));
            }

            order[i] = i;
            budget += opportunities[i].RuleSend ? 1 : 0;
        }

        Array.Sort(order, (x, y) => raw[x] != raw[y] ? raw[y].CompareTo(raw[x]) : x.CompareTo(y));
        destination.Fill(exploreFloor);
        for (var j = 0; j < budget; j++)
        {
            destination[order[j]] = 1;
        }
    }

    /// <summary>The samples of the class summary (push or hold per opportunity).</summary>
    public static OffPolicySample[] Samples(ReadOnlySpan<LoggedOpportunity> opportunities, ReadOnlySpan<double> targetSend, ReadOnlySpan<double> predicted)
    {
        var n = opportunities.Length;
        if (targetSend.Length != n || predicted.Length != n)
        {
            throw new ArgumentException($"Need one target probability and one prediction per opportunity ({n}).", nameof(targetSend));
        }

        var samples = new OffPolicySample[n];
        for (var i = 0; i < n; i++)
        {
            var o = opportunities[i];
            if (!(o.SendProbability > 0 && o.SendProbability <= 1) || (!o.Sent && o.SendProbability >= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(opportunities), o.SendProbability,
                    $"Opportunity {i}: the send probability must be in (0, 1], and below 1 for a held one.");
            }

            var pi = targetSend[i];
            var q = predicted[i];
            samples[i] = o.Sent
                ? new OffPolicySample(o.SendProbability, pi, o.Converted ? 1 : 0, q, pi * q)
                : new OffPolicySample(1 - o.SendProbability, 1 - pi, 0, 0, pi * q);
        }

        return samples;
    }

    /// <summary>
    /// IPS, SNIPS and DR conversion per push of the policy π(send|xᵢ) = <paramref name="targetSend"/>,
    /// with DR's reward model q̂(xᵢ) = <paramref name="predicted"/> (P(convert | xᵢ, send)).
    /// </summary>
    public static PushPolicyValue Evaluate(
        ReadOnlySpan<LoggedOpportunity> opportunities, ReadOnlySpan<double> targetSend, ReadOnlySpan<double> predicted, double z = OffPolicyEstimators.Z95)
    {
        var samples = Samples(opportunities, targetSend, predicted);
        if (samples.Length == 0)
        {
            throw new ArgumentException("Off-policy estimates need at least one logged decision.", nameof(opportunities));
        }

        var rate = 0.0;
        int pushes = 0, conversions = 0;
        for (var i = 0; i < opportunities.Length; i++)
        {
            rate += targetSend[i];
            pushes += opportunities[i].Sent ? 1 : 0;
            conversions += opportunities[i].Sent && opportunities[i].Converted ? 1 : 0;
        }

        rate /= opportunities.Length;
        if (rate <= 0)
        {
            throw new ArgumentException("The evaluated policy never sends: conversion per push is undefined.", nameof(targetSend));
        }

        var perPush = 1 / rate;
        return new PushPolicyValue(
            opportunities.Length,
            pushes,
            conversions,
            rate,
            OffPolicyEstimators.Ips(samples, z).Scale(perPush),
            OffPolicyEstimators.SelfNormalizedIps(samples, z).Scale(perPush),
            OffPolicyEstimators.DoublyRobust(samples, z).Scale(perPush),
            OffPolicyEstimators.EffectiveSampleSize(samples));
    }
}
