// Design: budget-aware sending (docs/notifications.md "Budget-aware threshold").
//
// * With cap.day = k pushes a day and a fixed threshold, the first eligible moments of a day take
//   the whole budget. Instead each user's threshold is learned from their own best OSR per scoring
//   pass (the score the pass could have sent) and how many passes they have per local hour: with
//   k' pushes left today and R expected passes left today, send only when the score is in the top
//   k'/R of the user's distribution — threshold = the (1 − k'/R) quantile of the recent scores
//   (a secretary-style quantile stopping rule), never below the day's own quantile 1 − k/D (D passes
//   a day): the cap bounds pushes, it is not a quota to spend on whatever comes last.
// * It applies only where no administrator set a threshold at any scope (the most specific admin
//   threshold keeps precedence and pins it), and only after MinSamples passes were seen.
// * Plain arrays, a ring of recent scores: persisted with the decision history; O(capacity) per
//   decision, once per debounced pass, never per reading.
namespace Osr.Orleans.Models.Scoring;

/// <summary>A user's recent best OSR per pass and their passes per local hour (the data of <see cref="BudgetThreshold"/>).</summary>
[GenerateSerializer, Alias("osr.budget-samples")]
public sealed record class BudgetSamples
{
    /// <summary>Scores kept (a ring).</summary>
    public const int Capacity = 256;

    [Id(0)] public float[] Scores { get; set; } = new float[Capacity];
    [Id(1)] public int Next { get; set; }
    [Id(2)] public int Count { get; set; }
    /// <summary>Passes seen per local hour 0–23 since <see cref="FirstDay"/>.</summary>
    [Id(3)] public int[] PassesByHour { get; set; } = new int[24];
    /// <summary>Local day numbers (DateOnly.DayNumber) of the first and the latest pass; 0 = none.</summary>
    [Id(4)] public int FirstDay { get; set; }
    [Id(5)] public int LastDay { get; set; }
    /// <summary>Local time (ticks) of each score in <see cref="Scores"/>, index-aligned; 0 = unknown (kept before times were recorded).</summary>
    [Id(6)] public long[] LocalTicks { get; set; } = new long[Capacity];
    /// <summary>
    /// The online model's state signature of each score (OnlinePropensity.Signature), index-aligned; 0 = unknown (another
    /// model, or kept before signatures were recorded). With it the scores can be made again under the current posterior draw.
    /// </summary>
    [Id(7)] public int[] Signatures { get; set; } = new int[Capacity];
    /// <summary>Local time (ticks) of the first pass; 0 = unknown (kept before it was recorded: see <see cref="FirstLocal"/>).</summary>
    [Id(8)] public long FirstLocalTicks { get; set; }

    /// <summary>
    /// The local time of the first pass: <see cref="FirstLocalTicks"/>, or for samples kept before it was recorded the earliest
    /// time still in the ring while it has never wrapped, else the start of <see cref="FirstDay"/>.
    /// </summary>
    public DateTime FirstLocal
    {
        get
        {
            if (FirstLocalTicks > 0) return new DateTime(FirstLocalTicks);
            if (Count < Capacity && LocalTicks.Length == Capacity && Count > 0 && LocalTicks[0] > 0) return new DateTime(LocalTicks[0]);
            return FirstDay > 0 ? DateOnly.FromDayNumber(FirstDay).ToDateTime(TimeOnly.MinValue) : default;
        }
    }

    /// <summary>Records one pass at local time <paramref name="local"/> whose best score was <paramref name="score"/> (state <paramref name="signature"/>, 0 unknown).</summary>
    public void Record(double score, DateTime local, int signature = 0)
    {
        if (!double.IsFinite(score)) return;
        // Kept before the first pass's time was recorded: FirstLocal (read before this pass joins the ring) stands for it.
        if (FirstLocalTicks == 0 && FirstDay != 0) FirstLocalTicks = FirstLocal.Ticks;
        if (Scores.Length != Capacity) Scores = new float[Capacity];
        if (PassesByHour.Length != 24) PassesByHour = new int[24];
        if (LocalTicks.Length != Capacity) LocalTicks = new long[Capacity];
        if (Signatures.Length != Capacity) Signatures = new int[Capacity];
        Scores[Next] = (float)score;
        LocalTicks[Next] = local.Ticks;
        Signatures[Next] = signature;
        Next = (Next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
        PassesByHour[local.Hour]++;
        var day = DateOnly.FromDateTime(local).DayNumber;
        if (FirstDay == 0 || day < FirstDay) FirstDay = day;
        if (FirstLocalTicks == 0 || local.Ticks < FirstLocalTicks) FirstLocalTicks = local.Ticks;
        if (day > LastDay) LastDay = day;
    }
}

/// <summary>The learned threshold and why (for the rule check's detail and <c>user show</c>).</summary>
public readonly record struct LearnedThreshold(double Threshold, double Quantile, int PushesLeft, double PassesLeft, int Samples, double PassesPerDay = double.NaN);

/// <summary>
/// θ = Q_q(scores) with q = max(1 − k'/R, 1 − k/D): k' pushes left today of the cap k, R = Σ_{h ≥ now} rate(h)
/// the passes expected in the rest of the local day (<see cref="HourlyRates"/>; the current hour counted for its remaining
/// fraction), D = Σ_h rate(h) the passes per day, Q the empirical quantile (nearest rank) of the recent scores
/// (q ≤ 0: θ = 0). Range: θ ∈ [0, 1].
/// </summary>
public static class BudgetThreshold
{
    /// <summary>
    /// The learned threshold, or null when there are fewer than <paramref name="minSamples"/> scores (within
    /// <paramref name="horizon"/> before <paramref name="localNow"/> when it is positive) or no push is left. With a
    /// horizon only the scores of that recent stretch count: the scorer keeps learning, so older scores were made on a
    /// scale that no longer holds (a model that learns its base rate lowers every score).
    /// </summary>
    /// <param name="quietStart">Start of the quiet hours (no pass is recorded in them); equal to <paramref name="quietEnd"/>: none.</param>
    /// <param name="quietEnd">End of the quiet hours.</param>
    /// <param name="scores">The samples' scores made again under the current posterior draw (<see cref="BudgetRescorer"/>), index-aligned with <see cref="BudgetSamples.Scores"/>; empty: the scores as recorded.</param>
    public static LearnedThreshold? Compute(BudgetSamples samples, DateTime localNow, int pushesLeft, int capDay, int minSamples,
        TimeSpan horizon = default, ReadOnlySpan<float> scores = default, TimeOnly quietStart = default, TimeOnly quietEnd = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var recent = Recent(samples, localNow, horizon);
        if (recent < Math.Max(1, minSamples) || pushesLeft <= 0 || samples.FirstDay == 0) return null;
        Span<double> rates = stackalloc double[24];
        HourlyRates(samples, localNow, quietStart, quietEnd, rates);
        var hour = localNow.Hour;
        var rest = 1 - (localNow.Minute * 60 + localNow.Second) / 3600.0;
        double passes = rates[hour] * rest, perDay = 0;
        for (var h = hour + 1; h < 24; h++) passes += rates[h];
        for (var h = 0; h < 24; h++) perDay += rates[h];
        // The cap is a bound, not a quota: late in the day the threshold never drops below the
        // day's own quantile 1 − cap/passes-per-day, so an unspent budget is not dumped on whatever comes last.
        var q = Math.Max(passes > pushesLeft ? 1 - pushesLeft / passes : 0, perDay > capDay ? 1 - capDay / perDay : 0);
        if (q <= 0) return new LearnedThreshold(0, 0, pushesLeft, passes, samples.Count, perDay);
        Span<float> sorted = stackalloc float[BudgetSamples.Capacity];
        var kept = 0;
        var from = horizon > TimeSpan.Zero ? localNow.Ticks - horizon.Ticks : long.MinValue;
        for (var i = 0; i < samples.Count; i++)
            if (horizon <= TimeSpan.Zero || samples.LocalTicks[i] >= from) sorted[kept++] = scores.Length > i ? scores[i] : samples.Scores[i];
        sorted = sorted[..kept];
        sorted.Sort();
        var rank = Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1);
        return new LearnedThreshold(Math.Clamp(sorted[rank], 0, 1), q, pushesLeft, passes, kept, perDay);
    }

    /// <summary>An hour of the day is known from its own passes once it was observed this long in all.</summary>
    public const double MinHourExposure = 1.0;

    /// <summary>
    /// The passes a day expected in each local hour 0–23: the passes recorded in hour h over the time hour h was observed
    /// between the first pass and <paramref name="localNow"/> (a day's hours that have not come yet were not observed). An
    /// hour observed less than <see cref="MinHourExposure"/> in all (the first day's later hours) takes the rate of the
    /// observed waking time (passes / waking hours observed, at least one hour) times its waking share outside quiet hours
    /// [<paramref name="quietStart"/>, <paramref name="quietEnd"/>), where no pass is recorded. Counting every day touched
    /// as a whole day, as before, took the rest of the first day as empty and a day's coming hours as seen once more than
    /// they were, so the threshold expected fewer chances than were coming and spent the cap early (docs/decisions.md 104).
    /// Local wall-clock hours: on a day a clock change repeats or skips an hour, that hour's rate is off for the day.
    /// </summary>
    public static void HourlyRates(BudgetSamples samples, DateTime localNow, TimeOnly quietStart, TimeOnly quietEnd, Span<double> rates)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (rates.Length < 24) throw new ArgumentException("needs 24 rates.", nameof(rates));
        rates[..24].Clear();
        if (samples.FirstDay == 0 || samples.PassesByHour.Length != 24) return;
        Span<double> exposure = stackalloc double[24];
        HourExposure(samples.FirstLocal, localNow, exposure);
        Span<double> waking = stackalloc double[24];
        ExplorationFloor.WakingShareByHour(quietStart, quietEnd, waking);
        double passes = 0, wakingHours = 0;
        for (var h = 0; h < 24; h++)
        {
            if (waking[h] <= 0) continue; // a pass in quiet hours (another candidate's) says nothing about waking time
            passes += samples.PassesByHour[h];
            wakingHours += exposure[h] * waking[h];
        }
        var mean = passes / Math.Max(1, wakingHours);
        for (var h = 0; h < 24; h++)
            rates[h] = exposure[h] >= MinHourExposure ? samples.PassesByHour[h] / exposure[h] : mean * waking[h];
    }

    /// <summary>Hours of each local hour of the day 0–23 within [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static void HourExposure(DateTime from, DateTime to, Span<double> exposure)
    {
        if (exposure.Length < 24) throw new ArgumentException("needs 24 slots.", nameof(exposure));
        exposure[..24].Clear();
        if (to <= from) return;
        var firstDay = from.Date;
        var lastDay = to.Date;
        var whole = Math.Max(0, (lastDay - firstDay).Days - 1);
        for (var h = 0; h < 24; h++)
        {
            exposure[h] = whole + ExplorationFloor.OverlapHours(firstDay.AddHours(h), firstDay.AddHours(h + 1), from, to);
            if (lastDay > firstDay) exposure[h] += ExplorationFloor.OverlapHours(lastDay.AddHours(h), lastDay.AddHours(h + 1), from, to);
        }
    }

    /// <summary>The fewest recent passes <see cref="RequiredSamples"/> ever asks for.</summary>
    public const int MinRequiredSamples = 5;

    /// <summary>
    /// The recent passes the learned threshold needs before it applies: <paramref name="configured"/>, or half the passes
    /// a user has within <paramref name="horizon"/> (<paramref name="passesPerDay"/> scaled to the horizon, at most a
    /// day; rounded up) when that is fewer, but at least <see cref="MinRequiredSamples"/> (or <paramref name="configured"/>
    /// when that is smaller). A user whose state rarely changes has few passes a day: asking for more recent passes than
    /// the horizon usually holds would keep them observed, never sent to by score. Half, because the count of recent
    /// passes scatters around its mean. <paramref name="configured"/> while the passes a day are unknown (NaN).
    /// </summary>
    public static int RequiredSamples(int configured, double passesPerDay, TimeSpan horizon)
    {
        if (!double.IsFinite(passesPerDay) || passesPerDay <= 0) return configured;
        var share = horizon > TimeSpan.Zero ? Math.Min(1, horizon.TotalDays) : 1;
        var half = (int)Math.Min(int.MaxValue, Math.Ceiling(0.5 * passesPerDay * share));
        return Math.Clamp(half, Math.Min(configured, MinRequiredSamples), Math.Max(configured, 1));
    }

    /// <summary>Scores recorded within <paramref name="horizon"/> before <paramref name="localNow"/> (all of them when the horizon is not positive).</summary>
    public static int Recent(BudgetSamples samples, DateTime localNow, TimeSpan horizon)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (horizon <= TimeSpan.Zero) return samples.Count;
        if (samples.LocalTicks.Length != BudgetSamples.Capacity) return 0;
        var from = localNow.Ticks - horizon.Ticks;
        var n = 0;
        for (var i = 0; i < samples.Count; i++)
            if (samples.LocalTicks[i] >= from) n++;
        return n;
    }

    /// <summary>
    /// Passes a day the user has, from <paramref name="samples"/>: Σ passes / days seen; while every pass is of one
    /// local day, the passes so far scaled to 24 h by the hours since the first pass's hour (at least one). NaN before
    /// the first pass.
    /// </summary>
    public static double PassesPerDay(BudgetSamples samples, DateTime localNow)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.FirstDay == 0 || samples.PassesByHour.Length != 24) return double.NaN;
        double total = 0;
        var first = -1;
        for (var h = 0; h < 24; h++)
        {
            total += samples.PassesByHour[h];
            if (first < 0 && samples.PassesByHour[h] > 0) first = h;
        }
        if (total <= 0) return double.NaN;
        if (samples.LastDay > samples.FirstDay || first < 0) return total / (samples.LastDay - samples.FirstDay + 1);
        // Every pass on one day, and that day is over: it was a whole day.
        if (DateOnly.FromDateTime(localNow).DayNumber > samples.LastDay) return total;
        var hours = Math.Max(1, localNow.Hour + localNow.Minute / 60.0 - first);
        return total * 24 / hours;
    }

    /// <summary>Pushes in <paramref name="history"/> sent on the local day <paramref name="today"/> in <paramref name="zone"/>.</summary>
    public static int SentOn(IReadOnlyList<Rules.PushRecord> history, DateOnly today, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(zone);
        var count = 0;
        foreach (var push in history)
        {
            if (push is null || push.SentUtcTicks < 0 || push.SentUtcTicks > DateTime.MaxValue.Ticks) continue;
            var local = TimeZoneInfo.ConvertTime(new DateTime(push.SentUtcTicks, DateTimeKind.Utc), zone);
            if (DateOnly.FromDateTime(local) == today) count++;
        }
        return count;
    }

    /// <summary>How a learned threshold is shown in the threshold rule's detail.</summary>
    /// <param name="t">The threshold.</param>
    /// <param name="rescored">Its scores were made again under this pass's posterior draw (<see cref="BudgetRescorer"/>).</param>
    public static string Describe(in LearnedThreshold t, bool rescored = false) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"learned: {t.PushesLeft} left today over ~{t.PassesLeft:0.#} chances, top {(1 - t.Quantile) * 100:0}% of {t.Samples} recent {(rescored ? "passes scored under this draw" : "scores")}");
}
