using Microsoft.Extensions.Options;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Grains.Options;

/// <summary>
/// The online propensity model, Thompson sampling, the budget-aware threshold and the uncertainty
/// gate (section <c>Osr:Learning</c>, docs/notifications.md).
/// </summary>
public sealed class LearningOptions
{
    public const string Section = "Osr:Learning";

    /// <summary>Serve the online model while no batch model is promoted. Default true (false: the neutral prior).</summary>
    public bool Online { get; set; } = true;

    /// <summary>Posterior draws per decision that estimate the probability of the action taken (logged for OPE). Range 1–256. Default 32.</summary>
    public int Draws { get; set; } = 32;

    /// <summary>
    /// Which propensity the OSR acts on: a draw per pass, a draw per user and local day, the posterior mean or the posterior
    /// median. Default Day (posterior sampling per episode, docs/decisions.md 94).
    /// </summary>
    public ActingScore Acting { get; set; } = ActingScore.Day;

    /// <summary>
    /// κ of a posterior draw (Acting Pass or Day): each cell's weight is drawn as m + κ·√v·z, so κ &lt; 1 narrows the draws
    /// toward the posterior median (κ = 0 would be Median) and 1 is a draw from the posterior itself. Range (0, 1].
    /// Default 0.5 (docs/decisions.md 103).
    /// </summary>
    public double DrawSpread { get; set; } = 0.5;

    /// <summary>Prior variance of each head's bias (log-odds²). Range (0, 100]. Default 1.</summary>
    public double BiasVariance { get; set; } = OnlinePropensityOptions.Default.BiasVariance;

    /// <summary>Prior variance of the other cells (log-odds²). Range (0, 100]. Default 0.3.</summary>
    public double CellVariance { get; set; } = OnlinePropensityOptions.Default.CellVariance;

    /// <summary>Prior variance of the state × category interaction cells (log-odds²); 0 = as <see cref="CellVariance"/>. Range [0, 100]. Default 0 (as CellVariance).</summary>
    public double InteractionVariance { get; set; }

    /// <summary>Weight of the open outcome (the weak signal) in the shared cells, [0, 1]. Default 0.5.</summary>
    public double OpenWeight { get; set; } = OnlinePropensityOptions.Default.OpenWeight;

    /// <summary>
    /// Refit the online posterior from the outcomes it learned (MAP + diagonal Laplace, src/Models/Scoring/PropensityRefit.cs)
    /// every tenth of the window's growth, besides the update per outcome. Default false: measured no better than the update
    /// per outcome alone (docs/decisions.md 98).
    /// </summary>
    public bool Refit { get; set; }

    /// <summary>Outcomes the refit keeps; older ones are folded into its prior. Range 50 – 1,000,000. Default 20,000.</summary>
    public int RefitWindow { get; set; } = 20_000;

    /// <summary>A push not converted (nor dismissed) this long after it was sent counts as not converted. Range 1 min – 7 d. Default 1 h.</summary>
    public TimeSpan OutcomeWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often each silo refreshes its copy of the posterior (wall clock). Range 100 ms – 10 min. Default 5 s.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Learn each user's threshold from their own scores where no admin threshold is set. Default true.</summary>
    public bool Budget { get; set; } = true;

    /// <summary>
    /// Under the online model, score the user's recent passes again under the posterior draw the current pass acted on before
    /// taking the learned threshold's quantile (src/Models/Scoring/BudgetRescorer.cs), instead of comparing with scores made
    /// under earlier draws. Default true.
    /// </summary>
    public bool Rescore { get; set; } = true;

    /// <summary>Only the scores of this recent stretch make the learned threshold (0 = all kept). Range 0 – 7 d. Default 24 h.</summary>
    public TimeSpan BudgetHorizon { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// While a user has fewer recent passes than the learned threshold needs (<see cref="BudgetMinSamples"/>, or fewer for a
    /// calm user: BudgetThreshold.RequiredSamples), send nothing by threshold (only exploration): observe before spending the
    /// cap. Default true.
    /// </summary>
    public bool BudgetObserve { get; set; } = true;

    /// <summary>Spread exploration evenly over waking time (true) instead of over scoring passes. Default true.</summary>
    public bool ExploreByTime { get; set; } = true;

    /// <summary>
    /// The timing gate: under <see cref="Rescore"/>, send by the learned threshold only where the candidate's propensity is
    /// at least this many times its category's average over the user's recent waking time under the same draw
    /// (src/Models/Rules/ThrottlePass.cs); 0 turns the gate off. Range 0 or 1–10. Default 1.
    /// </summary>
    public double TimingLift { get; set; } = 1;

    /// <summary>
    /// Recent scoring passes a user needs before the learned threshold applies; a calm user whose horizon usually holds fewer
    /// needs half of those, at least 5 (BudgetThreshold.RequiredSamples). Range 1–256. Default 30.
    /// </summary>
    public int BudgetMinSamples { get; set; } = 30;

    /// <summary>Defer decisions on uncertain states (<c>suppressed: uncertain</c>). Default true.</summary>
    public bool Uncertainty { get; set; } = true;

    /// <summary>Largest heart-rate σ (bpm) a decision is made on. Range (0, 100]. Default 6.</summary>
    public double UncertainMaxHrStd { get; set; } = UncertaintyBounds.Default.MaxHrStd;

    /// <summary>Largest speed σ (m/s) a decision is made on. Range (0, 50]. Default 1.5.</summary>
    public double UncertainMaxSpeedStd { get; set; } = UncertaintyBounds.Default.MaxSpeedStd;

    public OnlinePropensityOptions Model => new(BiasVariance, CellVariance, OpenWeight, InteractionVariance > 0 ? InteractionVariance : double.NaN);

    public UncertaintyBounds Bounds => new(UncertainMaxHrStd, UncertainMaxSpeedStd);
}

public sealed class LearningOptionsValidator : IValidateOptions<LearningOptions>
{
    public ValidateOptionsResult Validate(string? name, LearningOptions o)
    {
        var errors = new List<string>();
        var s = LearningOptions.Section;
        if (!Enum.IsDefined(o.Acting)) errors.Add($"{s}:Acting must be Pass, Day, Mean or Median, got {o.Acting}");
        if (!(o.DrawSpread > 0 && o.DrawSpread <= 1)) errors.Add($"{s}:DrawSpread must be in (0, 1], got {o.DrawSpread}");
        if (o.Draws is < 1 or > 256) errors.Add($"{s}:Draws must be between 1 and 256, got {o.Draws}");
        if (!(o.BiasVariance > 0 && o.BiasVariance <= 100)) errors.Add($"{s}:BiasVariance must be in (0, 100], got {o.BiasVariance}");
        if (!(o.CellVariance > 0 && o.CellVariance <= 100)) errors.Add($"{s}:CellVariance must be in (0, 100], got {o.CellVariance}");
        if (!(o.InteractionVariance >= 0 && o.InteractionVariance <= 100)) errors.Add($"{s}:InteractionVariance must be in [0, 100], got {o.InteractionVariance}");
        if (!(o.OpenWeight >= 0 && o.OpenWeight <= 1)) errors.Add($"{s}:OpenWeight must be in [0, 1], got {o.OpenWeight}");
        if (o.RefitWindow is < 2 * PropensityRefit.MinBetweenFits or > 1_000_000)
            errors.Add($"{s}:RefitWindow must be between {2 * PropensityRefit.MinBetweenFits} and 1000000, got {o.RefitWindow}");
        if (o.OutcomeWindow < TimeSpan.FromMinutes(1) || o.OutcomeWindow > TimeSpan.FromDays(7))
            errors.Add($"{s}:OutcomeWindow must be between 1m and 7d, got {o.OutcomeWindow}");
        if (o.RefreshInterval < TimeSpan.FromMilliseconds(100) || o.RefreshInterval > TimeSpan.FromMinutes(10))
            errors.Add($"{s}:RefreshInterval must be between 100ms and 10m, got {o.RefreshInterval}");
        if (o.BudgetHorizon < TimeSpan.Zero || o.BudgetHorizon > TimeSpan.FromDays(7))
            errors.Add($"{s}:BudgetHorizon must be between 0 and 7d, got {o.BudgetHorizon}");
        if (o.BudgetMinSamples is < 1 or > BudgetSamples.Capacity)
            errors.Add($"{s}:BudgetMinSamples must be between 1 and {BudgetSamples.Capacity}, got {o.BudgetMinSamples}");
        // Below 1 the gate would let through moments the model expects to be worse than a random one: refused.
        if (!(o.TimingLift == 0 || (o.TimingLift >= 1 && o.TimingLift <= 10))) errors.Add($"{s}:TimingLift must be 0 (off) or in [1, 10], got {o.TimingLift}");
        if (!(o.UncertainMaxHrStd > 0 && o.UncertainMaxHrStd <= 100)) errors.Add($"{s}:UncertainMaxHrStd must be in (0, 100], got {o.UncertainMaxHrStd}");
        if (!(o.UncertainMaxSpeedStd > 0 && o.UncertainMaxSpeedStd <= 50)) errors.Add($"{s}:UncertainMaxSpeedStd must be in (0, 50], got {o.UncertainMaxSpeedStd}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
