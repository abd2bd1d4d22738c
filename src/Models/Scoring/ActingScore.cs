// Design: which propensity the scoring pass acts on (docs/notifications.md "Propensity", docs/decisions.md).
//
// * Pass: a fresh posterior draw per scoring pass (Thompson sampling per decision).
// * Day: one posterior draw per user and local day (posterior sampling per episode): the day's
//   decisions compare moments under one consistent model instead of under independent draws.
// * Mean: the posterior-predictive mean E[σ(t)] (exploration only by the explore.rate floor). Under a
//   base rate below one half it rises with the variance of t, so it prefers the states least seen.
// * Median: σ(μ), the posterior median: what the outcomes taught, neither optimistic nor pessimistic
//   about cells never seen (exploration only by the explore.rate floor).
namespace Osr.Orleans.Models.Scoring;

/// <summary>Which propensity the OSR score of a scoring pass uses under the online model.</summary>
public enum ActingScore
{
    /// <summary>A posterior draw seeded by the decision id: independent per scoring pass.</summary>
    Pass = 0,

    /// <summary>A posterior draw seeded by (user, local day): the same draw for every pass of the user's day.</summary>
    Day = 1,

    /// <summary>The posterior-predictive mean: no draw.</summary>
    Mean = 2,

    /// <summary>The posterior median σ(μ) of the logit: no draw, no bonus for uncertainty.</summary>
    Median = 3,
}

/// <summary>What each <see cref="ActingScore"/> asks of the propensity scorer.</summary>
public static class ActingScores
{
    /// <summary>
    /// κ of the scorer's draws (<see cref="OnlinePropensity.Draw(in PropensityContext, string, ulong, PropensityHead, double)"/>):
    /// 0 for <see cref="ActingScore.Median"/> (σ(μ)), <paramref name="drawSpread"/> for the draws of <see cref="ActingScore.Pass"/>
    /// and <see cref="ActingScore.Day"/>, and 1 for <see cref="ActingScore.Mean"/>, which acts on no draw. The acting draw, the
    /// estimation draws of the logged probability and the throttle's rescoring all take this one value.
    /// </summary>
    public static double Spread(ActingScore acting, double drawSpread) => acting switch
    {
        ActingScore.Median => 0,
        ActingScore.Mean => 1,
        _ => drawSpread,
    };

    /// <summary>Whether the score acts on a posterior draw (and so logs a probability estimated over further draws).</summary>
    public static bool Draws(ActingScore acting) => acting is ActingScore.Pass or ActingScore.Day;
}
