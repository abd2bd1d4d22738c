using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.UnitTests.Features;

public class ActivityTrackerTests
{
    /// <summary>Age 30: HRmax = 208 − 0.7·30 = 187 bpm (Tanaka); 80 % = 149.6 bpm.</summary>
    private static readonly UserProfile Runner = new(30, "Europe/Amsterdam", null);

    /// <summary>2026-06-10 07:00 UTC = 09:00 CEST, a Wednesday morning.</summary>
    private static readonly DateTime Morning = new(2026, 6, 10, 7, 0, 0, DateTimeKind.Utc);

    private static TimeSpan Min(double minutes) => TimeSpan.FromMinutes(minutes);

    [Fact]
    public void UnknownBeforeAnyData()
    {
        var tracker = new ActivityTracker();

        tracker.Label.Should().Be(ActivityLabel.Unknown);
        tracker.LastWorkoutEndUtcTicks.Should().BeNull();

        var nothing = StateEstimate.Unknown(Morning.Ticks);
        tracker.Update(in nothing, Runner, Morning.Ticks).Should().BeFalse();
        tracker.Label.Should().Be(ActivityLabel.Unknown);
    }

    [Fact]
    public void RestWorkoutRecoveryGivesRestWorkoutPostWorkoutRestInOrder()
    {
        var s = new Scenario(Runner, Morning)
            .Hold(Min(10), Sensors.Sitting(62))
            // warm-up ramp to 80 % HRmax while running 3 m/s at 165 spm
            .Hold(Min(3), t => new Sensors(62 + ((150 - 62) * t.TotalMinutes / 3), 3, 165, 4, 29))
            .Hold(Min(27), new Sensors(150, 3, 165, 4))
            // stop; heart rate recovers exponentially, τ = 2 min
            .Hold(Min(10), t => new Sensors(70 + (80 * Math.Exp(-t.TotalMinutes / 2)), 0, 0, 0.3, -40 * Math.Exp(-t.TotalMinutes / 2)))
            .Hold(Min(100), Sensors.Sitting(66));

        s.Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Workout, ActivityLabel.PostWorkout, ActivityLabel.Rest);

        // workout adopted after its 120 s dwell, dated from the first running estimate
        s.Changes[1].At.Should().Be(Min(12));
        // hr drops below 70 % HRmax (130.9 bpm) ≈ 33 s into recovery; post-workout after its 60 s dwell
        var workoutEnd = TimeSpan.FromTicks(s.Tracker.LastWorkoutEndUtcTicks!.Value - Morning.Ticks);
        workoutEnd.Should().BeCloseTo(Min(40.55), TimeSpan.FromSeconds(10));
        s.Changes[2].At.Should().Be(workoutEnd + TimeSpan.FromSeconds(60));
        // rest once the 60-minute post-workout window has passed (+ 60 s dwell)
        s.Changes[3].At.Should().Be(workoutEnd + Min(61));
        s.Tracker.Label.Should().Be(ActivityLabel.Rest);
    }

    [Fact]
    public void AShortBoutOfRunningCadenceBeforeAWarmUpOpensNoPostWorkoutWindow()
    {
        // Runner: HRmax 187, so 70 % is 130.9 bpm. Speeding up into a warm-up: 3 minutes of running cadence at a
        // moderate heart rate (a workout by the running pattern), then the jog of the warm-up itself below it.
        var s = new Scenario(Runner, Morning)
            .Hold(Min(10), Sensors.Sitting(62))
            .Hold(Min(3), new Sensors(105, 2.2, 155, 2.5))
            .Hold(Min(8), new Sensors(110, 1.9, 135, 2.2));

        s.Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Workout, ActivityLabel.Active);
        s.Tracker.LastWorkoutEndUtcTicks.Should().BeNull("a 3-minute bout is not a workout one recovers from");

        // The real workout that follows, long enough, does open the window when it ends.
        s.Hold(Min(30), new Sensors(150, 3, 165, 4)).Hold(Min(5), Sensors.Sitting(80));
        s.Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Workout, ActivityLabel.Active, ActivityLabel.Workout, ActivityLabel.PostWorkout);
        s.Tracker.LastWorkoutEndUtcTicks.Should().NotBeNull();
    }

    [Theory]
    [InlineData(9.5, false)]
    [InlineData(10.5, true)]
    public void TheBoutIsMeasuredToTheEndOfItsEvidence(double boutMinutes, bool opensWindow)
    {
        // Sitting, a bout at 80 % HRmax while running, sitting again: the rest candidate's dwell after the bout must not
        // count as part of it.
        var s = new Scenario(Runner, Morning)
            .Hold(Min(10), Sensors.Sitting(62))
            .Hold(Min(boutMinutes), new Sensors(150, 3, 165, 4))
            .Hold(Min(5), Sensors.Sitting(70));

        s.Tracker.LastWorkoutEndUtcTicks.HasValue.Should().Be(opensWindow);
        s.Tracker.Label.Should().Be(opensWindow ? ActivityLabel.PostWorkout : ActivityLabel.Rest);
    }

    [Fact]
    public void FeaturesFollowTheWorkoutScenario()
    {
        var s = new Scenario(Runner, Morning)
            .Hold(Min(5), Sensors.Sitting(62))
            .Hold(Min(20), new Sensors(150, 3, 165, 4));

        var during = s.Features(new Sensors(150, 3, 165, 4));
        during.MinutesSinceWorkout.Should().Be(0);
        during.MinutesInActivity.Should().BeApproximately(20, 0.01);

        s.Hold(Min(15), Sensors.Sitting(80));
        var after = s.Features(Sensors.Sitting(80));
        s.Tracker.Label.Should().Be(ActivityLabel.PostWorkout);
        after.MinutesSinceWorkout.Should().BeApproximately(15, 0.01);
        // adopted after its 60 s dwell but dated from the first post-workout estimate, i.e. the workout's end
        after.MinutesInActivity.Should().BeApproximately(15, 0.01);
    }

    [Fact]
    public void NightStillnessWithLowHeartRateInAmsterdamIsSleep()
    {
        // 2026-01-15 22:00 UTC = 23:00 CET
        var s = new Scenario(Runner, new DateTime(2026, 1, 15, 22, 0, 0, DateTimeKind.Utc))
            .Hold(Min(20), Sensors.Sitting(68))
            .Hold(Min(9.9), Sensors.Still(52));

        s.Tracker.Label.Should().Be(ActivityLabel.Rest, "sleep needs a 10-minute dwell");

        s.Hold(Min(60), Sensors.Still(52));

        s.Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Sleep);
        s.Changes[1].At.Should().Be(Min(30));
        s.Tracker.LabelSinceUtcTicks.Should().Be(new DateTime(2026, 1, 15, 22, 20, 0, DateTimeKind.Utc).Ticks);
    }

    [Fact]
    public void SameStillnessAtNoonIsRest()
    {
        // 2026-01-15 11:00 UTC = 12:00 CET
        var s = new Scenario(Runner, new DateTime(2026, 1, 15, 11, 0, 0, DateTimeKind.Utc))
            .Hold(Min(20), Sensors.Sitting(68))
            .Hold(Min(70), Sensors.Still(52));

        s.Labels.Should().Equal(ActivityLabel.Rest);
    }

    [Fact]
    public void NightWindowUsesTheUsersZoneNotUtc()
    {
        // 08:00 UTC = 03:00 in New York (EST): night there, day in UTC
        var newYorker = Runner with { TimeZoneId = "America/New_York" };
        var start = new DateTime(2026, 1, 15, 8, 0, 0, DateTimeKind.Utc);

        new Scenario(newYorker, start).Hold(Min(15), Sensors.Still(52)).Tracker.Label.Should().Be(ActivityLabel.Sleep);
        new Scenario(Runner with { TimeZoneId = "UTC" }, start).Hold(Min(15), Sensors.Still(52)).Tracker.Label.Should().Be(ActivityLabel.Rest);
    }

    [Fact]
    public void CyclingAtModerateHeartRateIsCommute()
    {
        var s = new Scenario(Runner, Morning)
            .Hold(Min(5), Sensors.Sitting(65))
            .Hold(Min(20), new Sensors(105, 5.5, double.NaN, 1.5))
            .Hold(Min(5), Sensors.Sitting(70));

        s.Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Commute, ActivityLabel.Rest);
        s.Changes[1].At.Should().Be(Min(7)); // 120 s dwell
    }

    [Fact]
    public void RidingInACarOrTrainIsCommute()
    {
        new Scenario(Runner, Morning)
            .Hold(Min(5), Sensors.Sitting(65))
            .Hold(Min(10), new Sensors(72, 22, 0, 0.6))
            .Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Commute);
    }

    [Fact]
    public void WalkingIsActiveNotCommute()
    {
        new Scenario(Runner, Morning)
            .Hold(Min(5), Sensors.Sitting(65))
            .Hold(Min(10), new Sensors(95, 1.4, 110, 2))
            .Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Active);
    }

    [Fact]
    public void HardCyclingAtWorkoutHeartRateIsWorkoutNotCommute()
    {
        new Scenario(Runner, Morning)
            .Hold(Min(5), Sensors.Sitting(65))
            .Hold(Min(10), new Sensors(160, 9, double.NaN, 2))
            .Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Workout);
    }

    [Fact]
    public void SingleNoisySpikeDoesNotFlipTheLabel()
    {
        var s = new Scenario(Runner, Morning).Hold(Min(10), Sensors.Sitting(64));

        s.Feed(new Sensors(190, 3.5, 170, 12)).Should().BeFalse();
        s.Tracker.Label.Should().Be(ActivityLabel.Rest);
        s.Tracker.PendingLabel.Should().Be(ActivityLabel.Workout);

        s.Hold(Min(10), Sensors.Sitting(64));

        s.Labels.Should().Equal(ActivityLabel.Rest);
        s.Tracker.PendingLabel.Should().Be(ActivityLabel.Unknown);
    }

    [Fact]
    public void BurstShorterThanTheDwellIsIgnoredButASustainedOneIsAdopted()
    {
        var burst = new Sensors(160, 3, 165, 4);
        var s = new Scenario(Runner, Morning)
            .Hold(Min(5), Sensors.Sitting(64))
            .Hold(TimeSpan.FromSeconds(115), burst)
            .Hold(Min(5), Sensors.Sitting(64));

        s.Labels.Should().Equal(ActivityLabel.Rest);

        s.Hold(TimeSpan.FromSeconds(125), burst);

        s.Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Workout);
    }

    [Fact]
    public void AlternatingNoiseNeverSettlesAndKeepsTheLabel()
    {
        var s = new Scenario(Runner, Morning).Hold(Min(5), Sensors.Sitting(64));

        s.Hold(Min(10), t => (long)(t.TotalSeconds / 5) % 2 == 0 ? new Sensors(95, 1.4, 110, 2) : new Sensors(175, 8, 0, 0.5));

        s.Labels.Should().Equal(ActivityLabel.Rest);
    }

    [Fact]
    public void StaleEstimateIsIgnored()
    {
        var s = new Scenario(Runner, Morning).Hold(Min(5), Sensors.Sitting(64));
        var old = new Sensors(170, 3, 170, 5).ToEstimate(s.NowUtcTicks - Min(11).Ticks);

        for (int i = 0; i < 100; i++)
        {
            s.Tracker.Update(in old, Runner, s.NowUtcTicks + (i * Scenario.Step.Ticks)).Should().BeFalse();
        }

        s.Tracker.Label.Should().Be(ActivityLabel.Rest);
    }

    [Fact]
    public void SnapshotRestoreContinuesIdentically()
    {
        var original = new Scenario(Runner, Morning)
            .Hold(Min(5), Sensors.Sitting(62))
            .Hold(Min(20), new Sensors(150, 3, 165, 4))
            .Hold(Min(2), Sensors.Sitting(90));

        var state = original.Tracker.Snapshot();
        var restored = new ActivityTracker();
        restored.Restore(state);

        restored.Snapshot().Should().Be(state);
        restored.Label.Should().Be(original.Tracker.Label);
        restored.LastWorkoutEndUtcTicks.Should().Be(original.Tracker.LastWorkoutEndUtcTicks);
        restored.PendingLabel.Should().Be(original.Tracker.PendingLabel);

        long now = original.NowUtcTicks;
        for (int i = 0; i < 1000; i++, now += Scenario.Step.Ticks)
        {
            var e = Sensors.Sitting(70).ToEstimate(now);
            original.Tracker.Update(in e, Runner, now).Should().Be(restored.Update(in e, Runner, now));
            restored.Label.Should().Be(original.Tracker.Label);
        }
    }

    [Fact]
    public void RestoringAnUnknownLabelByteGivesUnknown()
    {
        var tracker = new ActivityTracker();
        tracker.Restore(new ActivityTrackerState { Label = 200, LabelSinceUtcTicks = 5, PendingLabel = 99 });

        tracker.Label.Should().Be(ActivityLabel.Unknown);
        tracker.PendingLabel.Should().Be(ActivityLabel.Unknown);
        tracker.LastWorkoutEndUtcTicks.Should().BeNull();
    }

    [Theory]
    [InlineData(150, 0, 0, 0.5, 12.0, ActivityLabel.Workout)]        // 80 % HRmax, no movement (gym)
    [InlineData(80, 2.8, 165, 3, 12.0, ActivityLabel.Workout)]       // running pattern, hr lagging
    [InlineData(double.NaN, 3, 170, double.NaN, 12.0, ActivityLabel.Workout)] // running pattern, no hr
    [InlineData(80, 12, 0, 0.5, 12.0, ActivityLabel.Commute)]
    [InlineData(52, 0, 0, 0.05, 3.0, ActivityLabel.Sleep)]
    [InlineData(52, 0, 0, 0.05, 12.0, ActivityLabel.Rest)]
    [InlineData(75, 0, 0, 0.05, 3.0, ActivityLabel.Rest)]            // awake rate at night
    [InlineData(52, 0, 0, 0.5, 3.0, ActivityLabel.Rest)]             // moving wrist at night
    [InlineData(110, 0, 0, 0.2, 12.0, ActivityLabel.Active)]         // 59 % HRmax
    [InlineData(double.NaN, 1.2, 100, double.NaN, 12.0, ActivityLabel.Active)]
    [InlineData(double.NaN, double.NaN, double.NaN, double.NaN, 12.0, ActivityLabel.Unknown)]
    public void ClassifyAppliesTheDocumentedRules(double hr, double speed, double cadence, double acc, double hour, ActivityLabel expected)
    {
        var e = new StateEstimate(0, hr, 1, 0, speed, 0.1, cadence, 1, acc, 0.1, double.NaN, double.NaN, double.NaN);

        ActivityTracker.Classify(in e, 187, hour, afterWorkout: false).Should().Be(expected);
    }

    [Theory]
    [InlineData(0.3, ActivityLabel.Active)]    // a walking speed the filter is sure of
    [InlineData(double.NaN, ActivityLabel.Active)] // σ unknown: the level is used
    [InlineData(2.0, ActivityLabel.Active)]    // at the bound
    [InlineData(28.6, ActivityLabel.Rest)]     // a level held five minutes past its last reading
    public void ASpeedWhoseStdExceedsTheBoundCountsAsUnknown(double speedStd, ActivityLabel expected)
    {
        // Seated, still watch (HR 64, no cadence, acc 0.13) with a speed of 1.2 m/s.
        var e = new StateEstimate(0, 64, 1, 0, 1.2, speedStd, 0, 1, 0.13, 0.1, double.NaN, double.NaN, double.NaN);

        ActivityTracker.Classify(in e, 187, 12, afterWorkout: false).Should().Be(expected);
    }

    [Fact]
    public void AnUncertainSpeedAloneGivesNoCandidate()
    {
        var e = new StateEstimate(0, double.NaN, double.NaN, double.NaN, 3.0, 5.0, double.NaN, double.NaN, double.NaN, double.NaN,
            double.NaN, double.NaN, double.NaN);

        ActivityTracker.Classify(in e, 187, 12, afterWorkout: false).Should().Be(ActivityLabel.Unknown);
    }

    [Theory]
    [InlineData(110, 0.2, ActivityLabel.PostWorkout)]
    [InlineData(70, 0.1, ActivityLabel.PostWorkout)]
    [InlineData(140, 0.2, ActivityLabel.Workout)]
    public void AfterAWorkoutRestAndActiveReadAsPostWorkout(double hr, double acc, ActivityLabel expected)
    {
        var e = new StateEstimate(0, hr, 1, -5, 0, 0.1, 0, 1, acc, 0.1, double.NaN, double.NaN, double.NaN);

        ActivityTracker.Classify(in e, 187, 12, afterWorkout: true).Should().Be(expected);
    }

    [Fact]
    public void UnknownAgeUsesTheDefaultMaxHeartRateForRules()
    {
        var noAge = new UserProfile(null, "UTC", null);
        var s = new Scenario(noAge, Morning)
            .Hold(Min(2), Sensors.Sitting(62))
            .Hold(Min(5), new Sensors(135, 0, 0, 2)); // 73 % of the default 185

        s.Labels.Should().Equal(ActivityLabel.Rest, ActivityLabel.Workout);
    }
}
