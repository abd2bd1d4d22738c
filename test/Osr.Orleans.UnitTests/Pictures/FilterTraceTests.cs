using Osr.Orleans.Benchmarks.Pictures;
using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.UnitTests.Pictures;

/// <summary>
/// The series behind the heart-rate picture of docs/features.md (<see cref="FilterTrace"/>, compiled from
/// test/Osr.Orleans.Benchmarks/Pictures). Oracles: a known input (10 min at rest, then a sustained effort, with one
/// optical spike) and the documented label rules and dwell times.
/// </summary>
public sealed class FilterTraceTests
{
    private static readonly long Start = new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    private static Reading At(int second, double hr) => new(second, Start + TimeSpan.TicksPerSecond * second, hr, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>600 s at 62 bpm, then 600 s at 160 bpm (0.86 of the default HRmax 185), 1 Hz, a 240 bpm spike at 900 s.</summary>
    private static Reading[] RestThenEffort() =>
        [.. Enumerable.Range(0, 1200).Select(s => At(s, s < 600 ? 62 : s == 900 ? 240 : 160))];

    [Fact]
    public void RestThenEffortGivesRestThenWorkoutDatedFromWhenTheEvidenceBegan()
    {
        var trace = FilterTrace.Replay(RestThenEffort(), "watch", UserProfile.Default);

        trace.Should().HaveCount(1200);
        trace[0].Label.Should().Be(ActivityLabel.Rest, "the first candidate after unknown is adopted at once");
        trace[599].Label.Should().Be(ActivityLabel.Rest);
        trace[^1].Label.Should().Be(ActivityLabel.Workout);
        var spans = FilterTrace.LabelSpans(trace);
        spans.Select(s => s.Label).Should().Equal(ActivityLabel.Rest, ActivityLabel.Workout);
        spans[0].FromUtcTicks.Should().Be(Start);
        var workoutFrom = TimeSpan.FromTicks(spans[1].FromUtcTicks - Start).TotalSeconds;
        workoutFrom.Should().BeInRange(600, 620, "the filtered HR crosses 0.70 HRmax within seconds of the step, and the span starts there, not 120 s later");
        var adopted = Array.FindIndex(trace, p => p.Label == ActivityLabel.Workout);
        adopted.Should().BeGreaterThanOrEqualTo((int)workoutFrom + 120, "the label is adopted after the 120 s dwell");
        spans[1].ToUtcTicks.Should().Be(trace[^1].TimestampUtcTicks);
    }

    [Fact]
    public void TheSpikeIsGatedAndTheBandIsTheFiltersOwnAndTight()
    {
        var trace = FilterTrace.Replay(RestThenEffort(), "watch", UserProfile.Default);

        trace[900].HrOutlier.Should().BeTrue();
        var seconds = trace.Select((p, i) => (p, i)).Where(x => x.p.HrOutlier).Select(x => x.i).ToArray();
        seconds.Where(i => i != 900).Should().OnlyContain(i => i >= 600 && i < 610,
            "apart from the spike, only the first readings of the 98 bpm step may be gated before the filter follows it");
        trace[900].Hr.Should().BeApproximately(160, 3, "a gated reading does not move the estimate");
        trace.Should().OnlyContain(p => double.IsFinite(p.HrStd) && p.HrStd > 0);
        trace[1199].HrStd.Should().BeLessThan(4, "after 5 min of steady 1 Hz readings the filter is surer than one watch reading (σ 4 bpm)");
        trace.Should().OnlyContain(p => double.IsNaN(p.Speed) && double.IsNaN(p.RawSpeed), "no reading carried speed");
    }

    [Fact]
    public void ReadingsAreReplayedInTimeOrderWhateverOrderTheyCameIn()
    {
        var ordered = FilterTrace.Replay(RestThenEffort(), "watch", UserProfile.Default);
        var shuffled = FilterTrace.Replay(RestThenEffort().Reverse(), "watch", UserProfile.Default);

        shuffled.Should().Equal(ordered);
    }

    [Fact]
    public void LabelSpansFollowTheLabelStartsAndLeaveOutUnknown()
    {
        static FilterTracePoint P(int second, ActivityLabel label, int since) =>
            new(Start + TimeSpan.TicksPerSecond * second, 60, 60, 1, double.NaN, double.NaN, false, label, Start + TimeSpan.TicksPerSecond * since);
        FilterTracePoint[] trace =
        [
            P(0, ActivityLabel.Unknown, 0), P(10, ActivityLabel.Rest, 10), P(20, ActivityLabel.Rest, 10),
            P(200, ActivityLabel.Workout, 70), P(300, ActivityLabel.Workout, 70), P(400, ActivityLabel.PostWorkout, 330),
        ];

        FilterTrace.LabelSpans(trace).Should().Equal(
            new LabelSpan(ActivityLabel.Rest, Start + TimeSpan.TicksPerSecond * 10, Start + TimeSpan.TicksPerSecond * 70),
            new LabelSpan(ActivityLabel.Workout, Start + TimeSpan.TicksPerSecond * 70, Start + TimeSpan.TicksPerSecond * 330),
            new LabelSpan(ActivityLabel.PostWorkout, Start + TimeSpan.TicksPerSecond * 330, Start + TimeSpan.TicksPerSecond * 400));
        FilterTrace.LabelSpans([]).Should().BeEmpty();
    }
}
