using Osr.Orleans.Models.Rules;
using static Osr.Orleans.UnitTests.Rules.RuleTestKit;

namespace Osr.Orleans.UnitTests.Rules;

/// <summary>Quiet hours on the user's local wall clock; offsets below are those of the zone on that date.</summary>
public class QuietHoursTests
{
    /// <summary>Default window 22:00–07:00, nothing else in the way.</summary>
    private static readonly EffectiveRules Night = Open with { QuietStart = new TimeOnly(22, 0), QuietEnd = new TimeOnly(7, 0) };

    private static RuleCheck Quiet(long now, string zone) => Evaluate(Drink, Night, now, zone).Check(RuleName.QuietHours);

    public static TheoryData<string, long, bool> Instants => new()
    {
        // Europe/Amsterdam, summer (CEST, +2) and winter (CET, +1).
        { Amsterdam, At(2026, 6, 10, 22, 41, +2), true },
        { Amsterdam, At(2026, 6, 10, 21, 59, +2), false },
        { Amsterdam, At(2026, 6, 10, 22, 0, +2), true },   // start inclusive
        { Amsterdam, At(2026, 6, 11, 6, 59, +2), true },
        { Amsterdam, At(2026, 6, 11, 7, 0, +2), false },   // end exclusive
        { Amsterdam, At(2026, 6, 11, 0, 0, +2), true },    // midnight inside a window that crosses it
        { Amsterdam, At(2026, 1, 15, 22, 0, +1), true },
        { Amsterdam, At(2026, 1, 15, 21, 59, +1), false },
        { Amsterdam, At(2026, 6, 10, 12, 0, +2), false },
        // America/New_York, EDT (−4) and EST (−5).
        { NewYork, At(2026, 6, 10, 22, 30, -4), true },
        { NewYork, At(2026, 6, 10, 21, 30, -4), false },
        { NewYork, At(2026, 1, 15, 6, 59, -5), true },
        { NewYork, At(2026, 1, 15, 7, 0, -5), false },
        // Asia/Kolkata, +5:30 all year.
        { Kolkata, At(2026, 6, 10, 16, 30, 0), true },     // 22:00 IST
        { Kolkata, At(2026, 6, 10, 16, 29, 0), false },    // 21:59 IST
        { Kolkata, At(2026, 6, 10, 1, 29, 0), true },      // 06:59 IST
        { Kolkata, At(2026, 6, 10, 1, 30, 0), false },     // 07:00 IST
        // Australia/Sydney, AEST (+10) in June, AEDT (+11) in January.
        { Sydney, At(2026, 6, 10, 12, 0, 0), true },       // 22:00 AEST
        { Sydney, At(2026, 6, 10, 11, 59, 0), false },     // 21:59 AEST
        { Sydney, At(2026, 1, 15, 11, 0, 0), true },       // 22:00 AEDT
        { Sydney, At(2026, 1, 15, 10, 59, 0), false },     // 21:59 AEDT
    };

    [Theory]
    [MemberData(nameof(Instants))]
    public void QuietHoursFollowTheUsersLocalClock(string zone, long now, bool quiet) =>
        Quiet(now, zone).Passed.Should().Be(!quiet);

    [Fact]
    public void DetailNamesLocalTimeZoneAndWindow()
    {
        Quiet(At(2026, 6, 10, 22, 41, +2), Amsterdam).Detail
            .Should().Be("22:41 local (Europe/Amsterdam) in quiet hours 22:00–07:00");
        Quiet(At(2026, 6, 10, 14, 5, +2), Amsterdam).Detail
            .Should().Be("14:05 local (Europe/Amsterdam) outside quiet hours 22:00–07:00");
    }

    [Fact]
    public void AmsterdamSpringForwardDayUsesSummerTimeAfterTheChange()
    {
        // 2026-03-29: 02:00 CET → 03:00 CEST at 01:00 UTC. 05:30 UTC is 07:30 CEST (outside),
        // the same UTC time the day before is 06:30 CET (inside).
        Quiet(At(2026, 3, 29, 5, 30), Amsterdam).Passed.Should().BeTrue();
        Quiet(At(2026, 3, 28, 5, 30), Amsterdam).Passed.Should().BeFalse();
        Quiet(At(2026, 3, 29, 4, 59), Amsterdam).Detail.Should().Be("06:59 local (Europe/Amsterdam) in quiet hours 22:00–07:00");
        Quiet(At(2026, 3, 29, 5, 0), Amsterdam).Detail.Should().Be("07:00 local (Europe/Amsterdam) outside quiet hours 22:00–07:00");
        // 00:59 UTC is 01:59 CET, 01:00 UTC is 03:00 CEST: both quiet, an hour of wall time skipped.
        Quiet(At(2026, 3, 29, 0, 59), Amsterdam).Detail.Should().StartWith("01:59 local");
        Quiet(At(2026, 3, 29, 1, 0), Amsterdam).Detail.Should().StartWith("03:00 local");
    }

    [Fact]
    public void AmsterdamFallBackDayUsesWinterTimeAfterTheChange()
    {
        // 2026-10-25: 03:00 CEST → 02:00 CET at 01:00 UTC. 05:30 UTC is 06:30 CET (inside);
        // the day before it is 07:30 CEST (outside). In the evening 20:30 UTC is 21:30 CET
        // (outside), the day before 22:30 CEST (inside).
        Quiet(At(2026, 10, 25, 5, 30), Amsterdam).Passed.Should().BeFalse();
        Quiet(At(2026, 10, 24, 5, 30), Amsterdam).Passed.Should().BeTrue();
        Quiet(At(2026, 10, 25, 20, 30), Amsterdam).Passed.Should().BeTrue();
        Quiet(At(2026, 10, 24, 20, 30), Amsterdam).Passed.Should().BeFalse();
        // The repeated hour: 00:30 and 01:30 UTC are both 02:30 local.
        Quiet(At(2026, 10, 25, 0, 30), Amsterdam).Detail.Should().StartWith("02:30 local");
        Quiet(At(2026, 10, 25, 1, 30), Amsterdam).Detail.Should().StartWith("02:30 local");
    }

    [Fact]
    public void NewYorkSpringForwardDayUsesDaylightTimeAfterTheChange()
    {
        // 2026-03-08: 02:00 EST → 03:00 EDT at 07:00 UTC. 11:30 UTC is 07:30 EDT (outside);
        // the day before it is 06:30 EST (inside).
        Quiet(At(2026, 3, 8, 11, 30), NewYork).Passed.Should().BeTrue();
        Quiet(At(2026, 3, 7, 11, 30), NewYork).Passed.Should().BeFalse();
        Quiet(At(2026, 3, 8, 10, 59), NewYork).Detail.Should().Be("06:59 local (America/New_York) in quiet hours 22:00–07:00");
    }

    [Fact]
    public void WindowWithinOneDayDoesNotCrossMidnight()
    {
        var siesta = Open with { QuietStart = new TimeOnly(13, 0), QuietEnd = new TimeOnly(15, 30) };

        Evaluate(Drink, siesta, At(2026, 6, 10, 13, 0, +2), Amsterdam).Check(RuleName.QuietHours).Passed.Should().BeFalse();
        Evaluate(Drink, siesta, At(2026, 6, 10, 15, 29, +2), Amsterdam).Check(RuleName.QuietHours).Passed.Should().BeFalse();
        Evaluate(Drink, siesta, At(2026, 6, 10, 15, 30, +2), Amsterdam).Check(RuleName.QuietHours).Passed.Should().BeTrue();
        Evaluate(Drink, siesta, At(2026, 6, 10, 23, 0, +2), Amsterdam).Check(RuleName.QuietHours).Passed.Should().BeTrue();
        Evaluate(Drink, siesta, At(2026, 6, 10, 3, 0, +2), Amsterdam).Check(RuleName.QuietHours).Passed.Should().BeTrue();
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    public void UnknownZoneIsUtc(string zone)
    {
        var check = Quiet(At(2026, 6, 10, 22, 30), zone);

        check.Passed.Should().BeFalse();
        check.Detail.Should().Be("22:30 local (UTC) in quiet hours 22:00–07:00");
        Quiet(At(2026, 6, 10, 21, 30), zone).Passed.Should().BeTrue();
    }

    [Fact]
    public void NullZoneIsUtc() =>
        NotificationRules.Evaluate(Drink, Night, null!, [], At(2026, 6, 10, 23, 0), At(2026, 6, 10, 23, 0), 0.5)
            .Check(RuleName.QuietHours).Passed.Should().BeFalse();

    [Fact]
    public void EqualStartAndEndMeanNoQuietHours() =>
        Evaluate(Drink, Open, At(2026, 6, 10, 23, 0), Amsterdam).Check(RuleName.QuietHours)
            .Should().Be(new RuleCheck(RuleName.QuietHours, true, "no quiet hours (start = end 00:00)"));
}
