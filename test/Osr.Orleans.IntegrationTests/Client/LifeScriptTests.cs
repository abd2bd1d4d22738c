using Osr.Orleans.Client.Simulation;

namespace Osr.Orleans.IntegrationTests.Client;

public class LifeScriptTests
{
    private static readonly TimeSpan Cycle = TimeSpan.FromMinutes(6);

    private static IEnumerable<(double U, LifeSample S)> OnePeriod(LifeScript script, double step = 0.5)
    {
        for (var u = 0.0; u < script.PeriodSeconds; u += step) yield return (u, script.SampleAt(u));
    }

    public static TheoryData<ulong, int> Users()
    {
        var data = new TheoryData<ulong, int>();
        foreach (var seed in new ulong[] { 1, 2, 42 })
            for (var user = 0; user < 8; user++) data.Add(seed, user);
        return data;
    }

    [Theory]
    [MemberData(nameof(Users))]
    public void WorkoutReachesSeventyPercentOfHrMax(ulong seed, int user)
    {
        var script = new LifeScript(UserTraits.Generate(seed, user), Cycle);
        var hrMax = script.Traits.HrMax;

        var workoutPeak = OnePeriod(script).Where(x => x.S.Phase == LifePhase.Workout).Max(x => x.S.Hr);

        workoutPeak.Should().BeGreaterThanOrEqualTo(0.70 * hrMax).And.BeLessThanOrEqualTo(0.90 * hrMax);
    }

    [Theory]
    [MemberData(nameof(Users))]
    public void RecoveryDecaysTowardRest(ulong seed, int user)
    {
        var script = new LifeScript(UserTraits.Generate(seed, user), Cycle);
        var rest = script.Traits.RestHr;

        foreach (var recovery in script.Segments.Where(s => s.Phase == LifePhase.Recovery))
        {
            var hr = Enumerable.Range(0, 101).Select(i => script.SampleAt(recovery.Start + recovery.Duration * i / 100.0 * 0.999).Hr).ToArray();

            hr.Should().BeInDescendingOrder("HR falls monotonically after the workout");
            hr[0].Should().BeGreaterThan(rest + 40, "recovery starts from workout HR");
            hr[^1].Should().BeLessThan(rest + 10, "and ends near resting HR");
            // Halfway through, more than 85 % of the excess over rest is gone (first-order decay, T ≤ duration/4.5).
            (hr[50] - rest).Should().BeLessThan(0.15 * (hr[0] - rest) + 3);
        }
    }

    [Fact]
    public void ACycleRunsRestCommuteDeskWarmUpWorkoutRecoveryRest()
    {
        var script = new LifeScript(UserTraits.Generate(1, 0), Cycle);

        script.Segments.Take(7).Select(s => s.Phase).Should().Equal(
            LifePhase.Rest, LifePhase.Commute, LifePhase.Desk, LifePhase.WarmUp, LifePhase.Workout, LifePhase.Recovery, LifePhase.Rest);
        script.PeriodSeconds.Should().BeApproximately(2 * Cycle.TotalSeconds, 1e-6);
    }

    [Fact]
    public void WorkoutHasRunningSpeedAndCadence()
    {
        var script = new LifeScript(UserTraits.Generate(3, 5), Cycle);
        var workout = script.Segments.First(s => s.Phase == LifePhase.Workout);

        var mid = script.SampleAt(workout.Start + workout.Duration / 2);

        mid.Speed.Should().BeInRange(2.5, 4.0);
        mid.Cadence.Should().BeInRange(150, 180);
    }

    [Fact]
    public void SameSeedGivesTheSameLife()
    {
        var a = new LifeScript(UserTraits.Generate(7, 3), Cycle);
        var b = new LifeScript(UserTraits.Generate(7, 3), Cycle);
        var t0 = new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

        for (var i = 0; i < 500; i++)
        {
            var t = t0.AddSeconds(i * 1.7);
            a.Sample(t).Should().Be(b.Sample(t));
        }
    }

    [Fact]
    public void DifferentSeedsGiveDifferentPeople()
    {
        var people = Enumerable.Range(0, 20).Select(i => UserTraits.Generate(1, i)).ToList();

        people.Select(p => p.Age).Distinct().Count().Should().BeGreaterThan(5);
        people.Select(p => p.TimeZoneId).Distinct().Count().Should().BeGreaterThan(3);
        people.Should().OnlyContain(p => p.Age >= 20 && p.Age <= 60);
        people.Should().OnlyContain(p => p.SleepHr >= 44 && p.SleepHr <= 62);
        UserTraits.Generate(1, 0).Should().NotBe(UserTraits.Generate(2, 0));
    }

    [Fact]
    public void UsersArePhaseShifted()
    {
        var t = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

        var phases = Enumerable.Range(0, 30).Select(i => new LifeScript(UserTraits.Generate(1, i), Cycle).Sample(t).Phase).Distinct();

        phases.Count().Should().BeGreaterThan(3);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PositionMovesContinuouslyAlongThePath(bool compressed)
    {
        var script = new LifeScript(UserTraits.Generate(5, 1), compressed ? Cycle : null);
        var fastest = Math.Max(script.Traits.CommuteSpeed, script.Traits.RunSpeed);
        var step = compressed ? 0.5 : 5;
        LifeSample? previous = null;

        for (var u = 0.0; u <= script.PeriodSeconds + step; u += step)
        {
            var s = script.SampleAt(u % script.PeriodSeconds);
            if (previous is { } p)
            {
                var north = (s.Lat - p.Lat) * 111_320;
                var east = (s.Lon - p.Lon) * 111_320 * Math.Cos(s.Lat * Math.PI / 180);
                Math.Sqrt(north * north + east * east).Should().BeLessThan(fastest * step * 1.5 + 0.5);
            }

            previous = s;
        }
    }

    [Fact]
    public void RealtimeDayFollowsTheLocalClock()
    {
        var traits = UserTraits.Generate(1, 0) with { TimeZoneId = "Europe/Amsterdam", DayShiftMinutes = 0 };
        var script = new LifeScript(traits, cycle: null);
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        DateTimeOffset Local(int hour, int minute) => new(new DateTime(2026, 7, 1, hour, minute, 0), zone.GetUtcOffset(new DateTime(2026, 7, 1, hour, minute, 0)));

        var night = script.Sample(Local(3, 0));
        night.Phase.Should().Be(LifePhase.Sleep);
        night.Hr.Should().BeLessThan(traits.RestHr);
        script.Sample(Local(8, 20)).Phase.Should().Be(LifePhase.Commute);
        script.Sample(Local(10, 0)).Phase.Should().Be(LifePhase.Desk);
        var workout = script.Sample(Local(18, 50));
        workout.Phase.Should().Be(LifePhase.Workout);
        workout.Hr.Should().BeGreaterThanOrEqualTo(0.70 * traits.HrMax);
        script.Sample(Local(19, 15)).Phase.Should().Be(LifePhase.Recovery);
    }
}
