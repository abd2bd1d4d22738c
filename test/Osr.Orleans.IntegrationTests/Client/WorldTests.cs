using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Models.Features;

namespace Osr.Orleans.IntegrationTests.Client;

public class WorldTests
{
    private static SimUser User(int index, string zone, string segment = "running", ulong seed = 1)
    {
        var traits = UserTraits.Generate(seed, index) with { TimeZoneId = zone, Segment = segment };
        return new SimUser(index, $"t-u{index:D5}", traits, new LifeScript(traits, cycle: null));
    }

    [Theory]
    [InlineData(LifePhase.Sleep, ActivityLabel.Sleep)]
    [InlineData(LifePhase.Rest, ActivityLabel.Rest)]
    [InlineData(LifePhase.Desk, ActivityLabel.Rest)]
    [InlineData(LifePhase.Commute, ActivityLabel.Commute)]
    [InlineData(LifePhase.WarmUp, ActivityLabel.Workout)]
    [InlineData(LifePhase.Workout, ActivityLabel.Workout)]
    [InlineData(LifePhase.Recovery, ActivityLabel.PostWorkout)]
    public void EveryPhaseMapsToItsActivityLabel(LifePhase phase, ActivityLabel label) =>
        World.Label(phase).Should().Be(label);

    [Fact]
    public void EveryPhaseHasALabel() =>
        Enum.GetValues<LifePhase>().Select(World.Label).Should().NotContain(ActivityLabel.Unknown);

    [Fact]
    public void TrueFeaturesFollowTheRealDay()
    {
        var user = User(3, "Europe/Amsterdam");
        var day = new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.FromHours(1));   // local midnight (CET)
        var labels = new List<ActivityLabel>();
        var previous = ActivityLabel.Unknown;
        var previousInActivity = 0.0;
        for (var minute = 0; minute < 24 * 60; minute++)
        {
            var t = day.AddMinutes(minute);
            var f = World.TrueFeatures(user.Script, t, out var label);

            label.Should().Be(World.TrueLabel(user.Script, t));
            f.LocalHour.Should().BeApproximately(minute / 60.0, 1e-9);
            f.Weekday.Should().Be(1, "3 November 2026 is a Tuesday");
            f.HrPctMax.Should().BeApproximately(f.Hr / user.Traits.HrMax, 1e-12);
            f.Intensity.Should().BeInRange(0, 1.5);
            if (label == ActivityLabel.Workout) f.MinutesSinceWorkout.Should().Be(0);
            else f.MinutesSinceWorkout.Should().BeGreaterThan(0);
            if (label == previous) f.MinutesInActivity.Should().BeApproximately(previousInActivity + 1, 1e-6, "within a label the time in it grows with the clock");
            else
            {
                labels.Add(label);
                if (minute > 0) f.MinutesInActivity.Should().BeLessThan(1, "a new label starts from zero");
            }

            previous = label;
            previousInActivity = f.MinutesInActivity;
        }

        labels.Should().Equal(
            ActivityLabel.Sleep, ActivityLabel.Rest, ActivityLabel.Commute, ActivityLabel.Rest, ActivityLabel.Commute,
            ActivityLabel.Workout, ActivityLabel.PostWorkout, ActivityLabel.Rest, ActivityLabel.Sleep);
    }

    [Fact]
    public void SleepAtLocalMidnightHasRunSinceTheEveningBefore()
    {
        var traits = User(0, "UTC").Traits with { DayShiftMinutes = 0 };
        var script = new LifeScript(traits, null);

        var f = World.TrueFeatures(script, new DateTimeOffset(2026, 11, 3, 1, 0, 0, TimeSpan.Zero), out var label);

        label.Should().Be(ActivityLabel.Sleep);
        f.MinutesInActivity.Should().BeApproximately(120, 1e-6, "asleep since 23:00");
        f.MinutesSinceWorkout.Should().BeApproximately(6 * 60, 1e-6, "the workout ended at 19:00");
    }

    [Fact]
    public void ThePlantedWorldPrefersDrinksAfterAWorkoutToDrinksAsleep()
    {
        var traits = User(0, "UTC").Traits with { DayShiftMinutes = 0 };
        var script = new LifeScript(traits, null);
        var world = World.Planted;

        var recovering = world.Probability(script, "drinks", new DateTimeOffset(2026, 11, 3, 19, 10, 0, TimeSpan.Zero));
        var asleep = world.Probability(script, "drinks", new DateTimeOffset(2026, 11, 3, 3, 0, 0, TimeSpan.Zero));

        World.TrueLabel(script, new DateTimeOffset(2026, 11, 3, 19, 10, 0, TimeSpan.Zero)).Should().Be(ActivityLabel.PostWorkout);
        recovering.Should().BeGreaterThan(0.3);
        asleep.Should().BeLessThan(0.05);
        world.Categories.Should().Equal(PlantedReceptivity.Categories);
    }

    [Fact]
    public void AWorldsProbabilityIsClampedToZeroOne()
    {
        var script = User(0, "UTC").Script;
        var t = new DateTimeOffset(2026, 11, 3, 12, 0, 0, TimeSpan.Zero);

        new World(["x"], (ActivityLabel _, string _, in FeatureVector _) => 7).Probability(script, "x", t).Should().Be(1);
        new World(["x"], (ActivityLabel _, string _, in FeatureVector _) => -1).Probability(script, "x", t).Should().Be(0);
        new World(["x"], (ActivityLabel _, string _, in FeatureVector _) => double.NaN).Probability(script, "x", t).Should().Be(0);
    }

    // ---- the state-blind sampler ----

    /// <summary>Days with a daylight-saving transition (and one ordinary day) in zones of the simulated cities.</summary>
    public static TheoryData<string, int, int, int> DstDays() => new()
    {
        { "Europe/Amsterdam", 2026, 3, 29 },     // 02:00 → 03:00
        { "Europe/Amsterdam", 2026, 10, 25 },    // 03:00 → 02:00
        { "Europe/London", 2026, 3, 29 },
        { "America/New_York", 2026, 3, 8 },
        { "America/New_York", 2026, 11, 1 },
        { "America/Los_Angeles", 2026, 11, 1 },
        { "Australia/Sydney", 2026, 4, 5 },
        { "Australia/Sydney", 2026, 10, 4 },
        { "Asia/Tokyo", 2026, 11, 2 },           // no DST
    };

    [Theory]
    [MemberData(nameof(DstDays))]
    public void StateBlindTimesAreNeverInTheQuietHoursOfTheUsersZone(string zoneId, int year, int month, int dayOfMonth)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var day = new DateOnly(year, month, dayOfMonth);

        for (ulong key = 0; key < 50; key++)
        {
            foreach (var t in StateBlindSampler.Sample(day, zone, key, StateBlindSampler.DefaultSamples))
            {
                var local = TimeZoneInfo.ConvertTime(t, zone);
                StateBlindSampler.IsQuiet(t, zone).Should().BeFalse();
                DateOnly.FromDateTime(local.DateTime).Should().Be(day);
                local.Hour.Should().BeInRange(7, 21);
            }
        }
    }

    [Fact]
    public void StateBlindTimesAvoidQuietHoursEvenWhenATransitionFallsInTheWakingWindow()
    {
        // A made-up zone that springs forward at 21:30 (to 22:30) and falls back at 07:30 (to 06:30) the next autumn:
        // the waking window itself is cut by the transitions.
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
            new DateTime(2020, 1, 1), new DateTime(2030, 12, 31), TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 21, 30, 0), 3, 15),
            TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 7, 30, 0), 10, 15));
        var zone = TimeZoneInfo.CreateCustomTimeZone("Test/Odd", TimeSpan.FromHours(2), "odd", "odd", "odd dst", [rule]);

        foreach (var day in new[] { new DateOnly(2026, 3, 15), new DateOnly(2026, 10, 15) })
        {
            for (ulong key = 0; key < 100; key++)
            {
                foreach (var t in StateBlindSampler.Sample(day, zone, key, StateBlindSampler.DefaultSamples))
                {
                    StateBlindSampler.IsQuiet(t, zone).Should().BeFalse();
                    StateBlindSampler.LocalDay(t, zone).Should().Be(day);
                }
            }
        }
    }

    [Fact]
    public void StateBlindTimesAreDeterministicForAKey()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var day = new DateOnly(2026, 11, 4);

        var a = StateBlindSampler.Sample(day, zone, 42, 20);
        var b = StateBlindSampler.Sample(day, zone, 42, 20);
        var c = StateBlindSampler.Sample(day, zone, 43, 20);

        a.Should().Equal(b);
        a.Should().NotEqual(c);
        a.Distinct().Should().HaveCount(20);
    }

    [Fact]
    public void StateBlindTimesCoverTheWakingDayUniformly()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");
        var day = new DateOnly(2026, 11, 4);

        var hours = Enumerable.Range(0, 500)
            .SelectMany(k => StateBlindSampler.Sample(day, zone, (ulong)k, 20))
            .Select(t => TimeZoneInfo.ConvertTime(t, zone).TimeOfDay.TotalHours)
            .ToArray();

        // Uniform on [7, 22): mean 14.5, 10 000 draws → standard error 0.043 h.
        hours.Average().Should().BeApproximately(14.5, 0.2);
        hours.Min().Should().BeGreaterThanOrEqualTo(7);
        hours.Max().Should().BeLessThan(22);
    }

    [Fact]
    public void LocalTimesInAGapMoveForwardAndAmbiguousOnesTakeTheFirstOccurrence()
    {
        var amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

        StateBlindSampler.LocalToUtc(new DateTime(2026, 3, 29, 2, 30, 0), amsterdam)
            .Should().Be(new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), "02:30 does not exist; it is 03:30 CEST");
        StateBlindSampler.LocalToUtc(new DateTime(2026, 10, 25, 2, 30, 0), amsterdam)
            .Should().Be(new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), "02:30 happens twice; the first is CEST");
        StateBlindSampler.WakingWindow(new DateOnly(2026, 10, 25), amsterdam)
            .Should().Be((new DateTimeOffset(2026, 10, 25, 6, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 25, 21, 0, 0, TimeSpan.Zero)));
    }
}
