using Osr.Orleans.Benchmarks.Pictures;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.UnitTests.Pictures;

/// <summary>
/// The shaping behind the decision-day picture of docs/notifications.md (<see cref="DecisionDay"/>, compiled from
/// test/Osr.Orleans.Benchmarks/Pictures). Oracles: the quiet-hours rule as documented (start &gt; end crosses
/// midnight, start = end is none) and hand-built decision logs.
/// </summary>
public sealed class DecisionDayTests
{
    private static readonly DateOnly Day = new(2026, 11, 3);
    private static readonly TimeOnly Quiet22 = new(22, 0), Quiet07 = new(7, 0);

    private static LoggedDecision D(string user, string utc, string outcome, string reason) =>
        new(user, DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture).UtcTicks, 0.5, 0.75, outcome, reason);

    [Fact]
    public void QuietHoursAcrossMidnightAreTheMorningAndTheLateEvening()
    {
        var midnight = Day.ToDateTime(TimeOnly.MinValue);
        DecisionDay.QuietSpans(Day, Quiet22, Quiet07).Should().Equal(
            new LocalSpan(midnight, midnight.AddHours(7)), new LocalSpan(midnight.AddHours(22), midnight.AddDays(1)));
        DecisionDay.QuietSpans(Day, new TimeOnly(13, 0), new TimeOnly(14, 30)).Should().Equal(
            new LocalSpan(midnight.AddHours(13), midnight.AddHours(14.5)));
        DecisionDay.QuietSpans(Day, new TimeOnly(22, 0), TimeOnly.MinValue).Should().Equal(
            new LocalSpan(midnight.AddHours(22), midnight.AddDays(1)));
        DecisionDay.QuietSpans(Day, Quiet22, Quiet22).Should().BeEmpty("start = end is no quiet hours");
    }

    [Fact]
    public void KindsFollowTheDecisionLogsCodes()
    {
        LoggedDecision.QuietCode.Should().Be(RuleName.QuietHours.Code());
        LoggedDecision.ThresholdCode.Should().Be(RuleName.Threshold.Code());
        D("u", "2026-11-03T12:00:00Z", DecisionOutcomes.Sent, "").Kind.Should().Be(DecisionKind.Push);
        D("u", "2026-11-03T12:00:00Z", DecisionOutcomes.Sent, DecisionOutcomes.Explore).Kind.Should().Be(DecisionKind.ExplorationPush);
        D("u", "2026-11-03T12:00:00Z", DecisionOutcomes.Suppressed, RuleName.QuietHours.Code()).Kind.Should().Be(DecisionKind.QuietHours);
        D("u", "2026-11-03T12:00:00Z", DecisionOutcomes.Suppressed, RuleName.Threshold.Code()).Kind.Should().Be(DecisionKind.BelowThreshold);
        D("u", "2026-11-03T12:00:00Z", DecisionOutcomes.Suppressed, RuleName.GapSimilar.Code()).Kind.Should().Be(DecisionKind.OtherRule);
        D("u", "2026-11-03T12:00:00Z", DecisionOutcomes.Suppressed, DecisionOutcomes.Uncertain).Kind.Should().Be(DecisionKind.OtherRule);
    }

    [Fact]
    public void PickGroupsByTheUsersLocalDayAndPrefersTheDayShowingMostKinds()
    {
        LoggedDecision[] log =
        [
            // a: three sends on its local 2026-11-02 (New York; 03:00Z on the 3rd is 22:00 on the 2nd), one kind only.
            D("a", "2026-11-02T15:00:00Z", DecisionOutcomes.Sent, ""), D("a", "2026-11-02T18:00:00Z", DecisionOutcomes.Sent, ""),
            D("a", "2026-11-03T03:00:00Z", DecisionOutcomes.Sent, ""),
            // b: one send, one quiet, one below threshold on 2026-11-03 UTC: three kinds.
            D("b", "2026-11-03T05:00:00Z", DecisionOutcomes.Suppressed, "quiet"), D("b", "2026-11-03T12:00:00Z", DecisionOutcomes.Sent, ""),
            D("b", "2026-11-03T13:00:00Z", DecisionOutcomes.Suppressed, "threshold"),
        ];
        string Zone(string user) => user == "a" ? "America/New_York" : "UTC";

        var best = DecisionDay.Pick(log, Zone, Quiet22, Quiet07)!;
        best.UserId.Should().Be("b");
        best.Day.Should().Be(Day);
        best.Decisions.Select(x => x.Decision.Kind).Should().Equal(DecisionKind.QuietHours, DecisionKind.Push, DecisionKind.BelowThreshold);
        best.Quiet.Should().HaveCount(2);

        var a = DecisionDay.Pick(log, Zone, Quiet22, Quiet07, userId: "a")!;
        a.Day.Should().Be(new DateOnly(2026, 11, 2), "the 03:00Z decision is on the evening of the 2nd in New York");
        a.Decisions.Should().HaveCount(3);
        a.Decisions[^1].Local.Should().Be(new DateTime(2026, 11, 2, 22, 0, 0));

        DecisionDay.Pick(log, Zone, Quiet22, Quiet07, userId: "a", day: Day).Should().BeNull();
        DecisionDay.Pick([], Zone, Quiet22, Quiet07).Should().BeNull();
    }
}
