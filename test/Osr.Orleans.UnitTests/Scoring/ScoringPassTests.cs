using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Scoring;
using UncertaintyGate = Osr.Orleans.Models.Scoring.UncertaintyGate;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class ScoringPassTests
{
    [Fact]
    public void RawAndOsrMatchAHandComputedPass()
    {
        // By hand: affinities 1, 2, 3 → mean 2, population sd √(2/3) → z = −1.224745, 0, 1.224745;
        // p = 0.5, 0.5, 1 → raw = −0.612372, 0, 1.224745; window range [−1, 1.5] → osr = (raw + 1)/2.5.
        var z = new double[3];
        var raw = new double[3];
        ScoringPass.Raw([1, 2, 3], [0.5, 0.5, 1], z, raw);
        z.Should().Equal([-1.224744871391589, 0, 1.224744871391589], (a, b) => Math.Abs(a - b) < 1e-12);
        raw.Should().Equal([-0.6123724356957945, 0, 1.224744871391589], (a, b) => Math.Abs(a - b) < 1e-12);
        var osr = new double[3];
        ScoringPass.Osr(raw, -1, 1.5, osr);
        osr.Should().Equal([0.15505102572168222, 0.4, 0.8898979485566356], (a, b) => Math.Abs(a - b) < 1e-12);
        ScoringPass.Range(raw).Should().Be((-0.6123724356957945, 1.224744871391589));
    }

    [Fact]
    public void LearnedThresholdSpendsTheBudgetOnTheTopOfTheRestOfTheDay()
    {
        // 100 passes seen on one day, 10 in each hour 08–17; scores 0.00, 0.01, …, 0.99.
        var samples = new BudgetSamples();
        var day = new DateTime(2026, 11, 2, 0, 0, 0);
        for (var i = 0; i < 100; i++) samples.Record(i / 100.0, day.AddHours(8 + i / 10).AddMinutes(i % 10));

        // The next day at 08:00 with 3 of 3 pushes left: 100 passes expected in 08–17 → q = 1 − 3/100 = 0.97 → the
        // 97th score, 0.96.
        var t = BudgetThreshold.Compute(samples, day.AddDays(1).AddHours(8), 3, 3, 30)!.Value;
        t.PassesLeft.Should().BeApproximately(100, 1e-9);
        t.PassesPerDay.Should().BeApproximately(100, 1e-9);
        t.Quantile.Should().BeApproximately(0.97, 1e-12);
        t.Threshold.Should().BeApproximately(0.96, 1e-6);

        // With a cap of 10 and 10 left: 1 − 10/100 = 0.9 → the 90th score, 0.89.
        BudgetThreshold.Compute(samples, day.AddDays(1).AddHours(8), 10, 10, 30)!.Value.Threshold.Should().BeApproximately(0.89, 1e-6);
        // At 19:00 no passes are expected, yet the threshold stays at the day's quantile (the budget is not dumped): hours
        // 08–17 have now been seen twice, once with no pass → 50 a day → 1 − 3/50 = 0.94 → 0.93.
        var late = BudgetThreshold.Compute(samples, day.AddDays(1).AddHours(19), 1, 3, 30)!.Value;
        late.PassesLeft.Should().Be(0);
        late.PassesPerDay.Should().BeApproximately(50, 1e-9);
        late.Threshold.Should().BeApproximately(0.93, 1e-6);
        // A day with fewer passes than the cap: anything the rules allow.
        BudgetThreshold.Compute(samples, day.AddDays(1).AddHours(19), 1, 200, 30)!.Value.Threshold.Should().Be(0);
        // Too few samples or no budget: no learned threshold.
        BudgetThreshold.Compute(samples, day.AddHours(13), 2, 3, 101).Should().BeNull();
        BudgetThreshold.Compute(samples, day.AddHours(13), 0, 3, 30).Should().BeNull();
    }

    [Fact]
    public void TheHoursOfTheDayStillToComeCountOnlyTheDaysTheyWereSeen()
    {
        // Day 0: 10 passes in each hour 08–17; day 1: 10 passes in 08 and 09. At 10:00 of day 1, hours 10–17 have been
        // seen once (day 0): 80 passes are still coming today, not 80 / 2 (every day touched counted as a whole day).
        var samples = new BudgetSamples();
        var day = new DateTime(2026, 11, 2, 0, 0, 0);
        for (var h = 8; h < 18; h++)
            for (var m = 0; m < 10; m++) samples.Record((h * 10 + m) / 1000.0, day.AddHours(h).AddMinutes(5 * m));
        for (var h = 8; h < 10; h++)
            for (var m = 0; m < 10; m++) samples.Record(0.5, day.AddDays(1).AddHours(h).AddMinutes(5 * m));
        var t = BudgetThreshold.Compute(samples, day.AddDays(1).AddHours(10), 3, 3, 30)!.Value;
        t.PassesLeft.Should().BeApproximately(80, 1e-9);
        t.PassesPerDay.Should().BeApproximately(100, 1e-9);
    }

    [Fact]
    public void OnTheFirstDayTheHoursNotSeenYetTakeTheRateOfTheWakingHoursSeen()
    {
        // First day, quiet hours 22–07: 12 passes between 07:00 and 10:00 (4 an hour), scores 0.01 … 0.12.
        var samples = new BudgetSamples();
        var day = new DateTime(2026, 11, 2, 0, 0, 0);
        for (var i = 0; i < 12; i++) samples.Record((i + 1) / 100.0, day.AddHours(7).AddMinutes(15 * i));
        var (quietStart, quietEnd) = (new TimeOnly(22, 0), new TimeOnly(7, 0));
        Span<double> rates = stackalloc double[24];
        BudgetThreshold.HourlyRates(samples, day.AddHours(10), quietStart, quietEnd, rates);
        rates[7].Should().Be(4);
        rates[15].Should().Be(4, "a waking hour not seen yet takes the rate of the waking hours seen");
        rates[23].Should().Be(0, "no pass is recorded in quiet hours");
        rates[3].Should().Be(0);

        // At 10:00 with 3 left: 12 waking hours still to come → R = 48; 15 waking hours → D = 60; q = max(1 − 3/48,
        // 1 − 3/60) = 0.95 → rank ⌈0.95·12⌉ = 12 → 0.12. (Taking the rest of the day as empty gave R = 0 and D = 12:
        // q = 0.75, and the first passes took the cap.)
        var t = BudgetThreshold.Compute(samples, day.AddHours(10), 3, 3, 5, default, default, quietStart, quietEnd)!.Value;
        t.PassesLeft.Should().BeApproximately(48, 1e-9);
        t.PassesPerDay.Should().BeApproximately(60, 1e-9);
        t.Quantile.Should().BeApproximately(0.95, 1e-12);
        t.Threshold.Should().BeApproximately(0.12, 1e-6);

        // Samples kept before the first pass's time was recorded: the earliest time in a ring that never wrapped stands for
        // it, else the start of the first day; a pass recorded then keeps that.
        var legacy = new BudgetSamples();
        for (var i = 0; i < 12; i++) legacy.Record((i + 1) / 100.0, day.AddHours(7).AddMinutes(15 * i));
        legacy.FirstLocalTicks = 0;
        legacy.FirstLocal.Should().Be(day.AddHours(7));
        BudgetThreshold.HourlyRates(legacy, day.AddHours(10), quietStart, quietEnd, rates);
        rates[15].Should().Be(4, "the same rates as the samples that know their first pass");
        var wrapped = new BudgetSamples { FirstDay = DateOnly.FromDateTime(day).DayNumber, LastDay = DateOnly.FromDateTime(day).DayNumber };
        wrapped.FirstLocal.Should().Be(day);
        wrapped.Record(0.5, day.AddDays(1).AddHours(9));
        wrapped.FirstLocalTicks.Should().Be(day.Ticks);
    }

    [Fact]
    public void HourExposureCountsEachHourOfTheDayWithinTheSpan()
    {
        var day = new DateTime(2026, 11, 2, 0, 0, 0);
        Span<double> exposure = stackalloc double[24];
        BudgetThreshold.HourExposure(day.AddHours(7.5), day.AddDays(2).AddHours(10.25), exposure);
        exposure[7].Should().BeApproximately(2.5, 1e-9);
        exposure[10].Should().BeApproximately(2.25, 1e-9);
        exposure[3].Should().BeApproximately(2, 1e-9);
        exposure[12].Should().BeApproximately(2, 1e-9);
        BudgetThreshold.HourExposure(day.AddHours(7.5), day.AddHours(9), exposure);
        exposure[7].Should().BeApproximately(0.5, 1e-9);
        exposure[8].Should().BeApproximately(1, 1e-9);
        exposure[9].Should().Be(0);
        BudgetThreshold.HourExposure(day.AddHours(7.5), day.AddDays(1), exposure);
        exposure[23].Should().BeApproximately(1, 1e-9, "up to midnight, not past it");
        exposure[0].Should().Be(0);
        BudgetThreshold.HourExposure(day.AddHours(9), day.AddHours(9), exposure);
        exposure.ToArray().Should().OnlyContain(x => x == 0, "an empty span");

        // The waking share of each hour, quiet hours wrapping midnight and starting or ending mid-hour.
        Span<double> share = stackalloc double[24];
        ExplorationFloor.WakingShareByHour(new TimeOnly(22, 30), new TimeOnly(6, 30), share);
        share[22].Should().BeApproximately(0.5, 1e-9);
        share[23].Should().Be(0);
        share[3].Should().Be(0);
        share[6].Should().BeApproximately(0.5, 1e-9);
        share[12].Should().Be(1);
        ExplorationFloor.WakingShareByHour(default, default, share);
        share.ToArray().Should().OnlyContain(x => x == 1, "no quiet hours");
    }

    [Fact]
    public void PassesPerDayAndTheExploreFloor()
    {
        var day = new DateTime(2026, 11, 2, 0, 0, 0);
        var samples = new BudgetSamples();
        BudgetThreshold.PassesPerDay(samples, day.AddHours(9)).Should().Be(double.NaN);
        ExplorationFloor.ExploreFloor(0.05, 3, double.NaN).Should().Be(0.05, "unknown passes a day: the rate itself");

        // First day, 12 passes between 07:00 and 10:00 (the first at 07:xx): at 10:00, 3 h seen → 12·24/3 = 96 a day.
        for (var i = 0; i < 12; i++) samples.Record(0.1, day.AddHours(7).AddMinutes(15 * i));
        BudgetThreshold.PassesPerDay(samples, day.AddHours(10)).Should().BeApproximately(96, 1e-9);
        // Before a full hour has passed, at least one hour is assumed.
        BudgetThreshold.PassesPerDay(samples, day.AddHours(7).AddMinutes(30)).Should().BeApproximately(12 * 24, 1e-9);
        // The next day before its first pass: the first day was a whole day of 12 passes.
        BudgetThreshold.PassesPerDay(samples, day.AddDays(1).AddMinutes(30)).Should().Be(12);
        // Two days touched: Σ passes / days.
        samples.Record(0.1, day.AddDays(1).AddHours(8));
        BudgetThreshold.PassesPerDay(samples, day.AddDays(1).AddHours(9)).Should().BeApproximately(13 / 2.0, 1e-9);

        // The floor spends about explore.rate of the cap: 0.05 × 3/96; never above the rate.
        ExplorationFloor.ExploreFloor(0.05, 3, 96).Should().BeApproximately(0.05 * 3 / 96, 1e-15);
        ExplorationFloor.ExploreFloor(0.05, 3, 2).Should().Be(0.05);
    }

    [Fact]
    public void OnlyRecentScoresMakeTheLearnedThresholdWhenAHorizonIsGiven()
    {
        // Day 1: 60 passes scoring 0.9 (a model that has not learned its base rate yet); day 2 from 08:00: 40 passes
        // scoring 0.00, 0.01, …, 0.39 (the same moments, after learning lowered every score).
        var samples = new BudgetSamples();
        var day = new DateTime(2026, 11, 2, 0, 0, 0);
        for (var i = 0; i < 60; i++) samples.Record(0.9, day.AddHours(5).AddMinutes(10 * i));
        for (var i = 0; i < 40; i++) samples.Record(i / 100.0, day.AddDays(1).AddHours(8).AddMinutes(10 * i));
        var now = day.AddDays(1).AddHours(15);

        // All scores: q = 1 − 3/50 = 0.94 (hours 05–14 seen twice, 50 passes a day; none left today) → a day-1 score, never reached today.
        BudgetThreshold.Compute(samples, now, 3, 3, 30)!.Value.Threshold.Should().BeApproximately(0.9, 1e-6);
        // Last 24 h: only day 2's 40 scores; the same quantile (0.94) of them → rank ⌈0.94·40⌉ = 38 → 0.37.
        var recent = BudgetThreshold.Compute(samples, now, 3, 3, 30, TimeSpan.FromHours(24))!.Value;
        recent.Samples.Should().Be(40);
        recent.Threshold.Should().BeApproximately(0.37, 1e-6);
        BudgetThreshold.Recent(samples, now, TimeSpan.FromHours(24)).Should().Be(40);
        BudgetThreshold.Recent(samples, now, TimeSpan.Zero).Should().Be(100);
        // Fewer recent scores than the minimum: none (the caller observes instead of sending by score).
        BudgetThreshold.Compute(samples, now, 3, 3, 41, TimeSpan.FromHours(24)).Should().BeNull();
        // Scores kept before their times were recorded count as old.
        var legacy = new BudgetSamples { LocalTicks = [] };
        BudgetThreshold.Recent(legacy, now, TimeSpan.FromHours(24)).Should().Be(0);
    }

    [Fact]
    public void ExplorationIsSpreadOverWakingTimeNotOverPasses()
    {
        // Quiet 22:00–07:00 → 15 waking hours; explore.rate 0.05, cap 3 → λ = 0.01 an hour.
        var quietStart = new TimeOnly(22, 0);
        var quietEnd = new TimeOnly(7, 0);
        ExplorationFloor.WakingHoursPerDay(quietStart, quietEnd).Should().Be(15);
        ExplorationFloor.WakingHoursPerDay(new TimeOnly(1, 0), new TimeOnly(6, 0)).Should().Be(19);
        ExplorationFloor.WakingHoursPerDay(quietStart, quietStart).Should().Be(24);

        var day = new DateTime(2026, 11, 2, 0, 0, 0);
        ExplorationFloor.WakingHoursBetween(day.AddHours(9), day.AddHours(10.5), quietStart, quietEnd).Should().BeApproximately(1.5, 1e-9);
        // Across the night: 21:00 → 08:00 next day is 1 h + 1 h awake.
        ExplorationFloor.WakingHoursBetween(day.AddHours(21), day.AddDays(1).AddHours(8), quietStart, quietEnd).Should().BeApproximately(2, 1e-9);
        ExplorationFloor.WakingHoursBetween(day.AddHours(23), day.AddDays(1).AddHours(6), quietStart, quietEnd).Should().Be(0);
        ExplorationFloor.WakingHoursBetween(day.AddHours(10), day.AddHours(9), quietStart, quietEnd).Should().Be(0);
        // Quiet hours inside one calendar day (01:00–06:00): 00:00 → 07:00 is 1 h + 1 h awake.
        ExplorationFloor.WakingHoursBetween(day, day.AddHours(7), new TimeOnly(1, 0), new TimeOnly(6, 0)).Should().BeApproximately(2, 1e-9);

        // One pass an hour or four passes of 15 minutes: the same chance to explore within the hour.
        var hourly = ExplorationFloor.ExploreChance(0.05, 3, 15, 1);
        hourly.Should().BeApproximately(1 - Math.Exp(-0.01), 1e-12);
        var quarter = ExplorationFloor.ExploreChance(0.05, 3, 15, 0.25);
        (1 - Math.Pow(1 - quarter, 4)).Should().BeApproximately(hourly, 1e-12);
        // A whole waking day: about explore.rate × cap explored pushes (1 − e^−0.15 for the first).
        ExplorationFloor.ExploreChance(0.05, 3, 15, 15).Should().BeApproximately(1 - Math.Exp(-0.15), 1e-12);
        ExplorationFloor.ExploreChance(0.05, 3, 15, 40).Should().BeApproximately(1 - Math.Exp(-0.15), 1e-12, "at most a day counts");
        ExplorationFloor.ExploreChance(0.05, 3, 15, 0).Should().Be(0);
        ExplorationFloor.ExploreChance(0, 3, 15, 2).Should().Be(0);
    }

    [Fact]
    public void TheExplorationBasisIsThePushesTheUserGetsADayNotTheCap()
    {
        var zone = TimeZoneInfo.Utc;
        var today = new DateOnly(2026, 11, 10);
        PushRecord At(int day, int hour) => new($"n{day}-{hour}", "i", "c", new DateTime(2026, 11, day, hour, 0, 0, DateTimeKind.Utc).Ticks, null);

        // Nothing observed yet, only today, or the first (partial) day and today: the cap is all that is known.
        ExplorationFloor.PushesPerDay([], today, zone, 0, 3).Should().Be(3);
        ExplorationFloor.PushesPerDay([At(10, 9)], today, zone, today.DayNumber, 3).Should().Be(3);
        ExplorationFloor.PushesPerDay([At(9, 22)], today, zone, today.DayNumber - 1, 3).Should().Be(3);
        // First pass on the 7th; two whole days seen (8th and 9th), 3 pushes in them; today's push does not count: 1.5 a day.
        ExplorationFloor.PushesPerDay([At(7, 20), At(8, 9), At(9, 9), At(9, 18), At(10, 8)], today, zone, today.DayNumber - 3, 3).Should().Be(1.5);
        // At most the last 7 whole days: the push of the 2nd is older.
        ExplorationFloor.PushesPerDay([At(2, 9), At(5, 9)], today, zone, today.DayNumber - 9, 3).Should().BeApproximately(1 / 7.0, 1e-12);
        // None in a week: as if one a week; never above the cap.
        ExplorationFloor.PushesPerDay([], today, zone, today.DayNumber - 7, 3).Should().BeApproximately(ExplorationFloor.MinPushesPerDay, 1e-12);
        ExplorationFloor.PushesPerDay([At(9, 8), At(9, 9), At(9, 10), At(9, 11)], today, zone, today.DayNumber - 2, 3).Should().Be(3);
        // Local days: 23:00 UTC on the 9th is the 10th in Tokyo (today there, so not counted).
        var tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        ExplorationFloor.PushesPerDay([At(9, 23)], today, tokyo, today.DayNumber - 2, 3).Should().Be(ExplorationFloor.MinPushesPerDay);

        // A user who gets a push every two days explores a sixth as often as one whose cap of 3 is the basis.
        ExplorationFloor.ExploreChance(0.05, 0.5, 15, 15).Should().BeApproximately(1 - Math.Exp(-0.05 * 0.5), 1e-12);
    }

    [Fact]
    public void TheLearnedThresholdAsksForAtMostHalfTheHorizonsPasses()
    {
        var day = TimeSpan.FromDays(1);
        BudgetThreshold.RequiredSamples(30, double.NaN, day).Should().Be(30, "passes a day unknown: the configured minimum");
        BudgetThreshold.RequiredSamples(30, 96, day).Should().Be(30);
        BudgetThreshold.RequiredSamples(30, 13.2, day).Should().Be(7, "a calm user with 13.2 passes a day: half a day's, rounded up");
        BudgetThreshold.RequiredSamples(30, 40, TimeSpan.FromHours(12)).Should().Be(10, "a 12 h horizon holds half a day's passes");
        BudgetThreshold.RequiredSamples(30, 40, TimeSpan.Zero).Should().Be(20, "no horizon: a day's");
        BudgetThreshold.RequiredSamples(30, 40, TimeSpan.FromDays(3)).Should().Be(20, "at most a day counts");
        BudgetThreshold.RequiredSamples(30, 2, day).Should().Be(BudgetThreshold.MinRequiredSamples);
        BudgetThreshold.RequiredSamples(3, 2, day).Should().Be(3, "never more than configured");
        BudgetThreshold.RequiredSamples(1, 0.5, day).Should().Be(1);
    }

    [Fact]
    public void ARegularCalmUserIsReleasedFromObservingOnEveryPassFromTheSecondDay()
    {
        // 12 passes a day between 08:00 and 19:00, jittered by up to ±5 minutes: from day 2 on, every pass finds enough
        // recent passes within 24 h (the check runs before the pass is recorded).
        var samples = new BudgetSamples();
        var start = new DateTime(2026, 11, 2, 0, 0, 0);
        var rng = new Random(3);
        var held = 0;
        for (var d = 0; d < 6; d++)
            for (var i = 0; i < 12; i++)
            {
                var now = start.AddDays(d).AddHours(8 + i).AddMinutes(rng.Next(-5, 6));
                var required = BudgetThreshold.RequiredSamples(30, BudgetThreshold.PassesPerDay(samples, now), TimeSpan.FromDays(1));
                if (d >= 1 && BudgetThreshold.Recent(samples, now, TimeSpan.FromDays(1)) < required) held++;
                samples.Record(0.5, now);
            }
        held.Should().Be(0);
    }

    [Fact]
    public void AnUncertainStateIsDeferred()
    {
        var sure = new StateEstimate(0, 72, 1.5, 0, 1.2, 0.2, 100, 3, 0.5, 0.1, double.NaN, double.NaN, double.NaN);
        UncertaintyGate.Check(in sure, UncertaintyBounds.Default).Should().BeNull();
        UncertaintyGate.Check(sure with { HrStd = 9 }, UncertaintyBounds.Default).Should().Be("heart rate σ 9.0 bpm > 6.0");
        UncertaintyGate.Check(sure with { SpeedStd = 2 }, UncertaintyBounds.Default).Should().BeNull("a sure heart rate says what the person does");
        UncertaintyGate.Check(sure with { Hr = double.NaN, SpeedStd = 2 }, UncertaintyBounds.Default).Should().Be("speed σ 2.00 m/s > 1.50");
        UncertaintyGate.Check(StateEstimate.Unknown(0), UncertaintyBounds.Default).Should().Be("no heart rate, speed or movement known");
        UncertaintyGate.Check(sure with { HrStd = 9 }, new UncertaintyBounds(10, 1.5)).Should().BeNull("the bound is an option");
    }
}
