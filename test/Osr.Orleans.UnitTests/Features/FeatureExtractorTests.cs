using Osr.Orleans.Models.Features;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.UnitTests.Features;

public class FeatureExtractorTests
{
    private static readonly UserProfile Amsterdam40 = new(40, "Europe/Amsterdam", null);

    private static long Utc(int y, int mo, int d, int h, int mi, int s = 0) => new DateTime(y, mo, d, h, mi, s, DateTimeKind.Utc).Ticks;

    private static FeatureVector Compute(Sensors sensors, UserProfile profile, long now, ActivityTracker? tracker = null)
    {
        var e = sensors.ToEstimate(now);
        return FeatureExtractor.Compute(in e, profile, tracker ?? new ActivityTracker(), now);
    }

    [Theory]
    // oracle: Tanaka, Monahan & Seals (2001), HRmax = 208 − 0.7·age
    [InlineData(20, 194.0)]
    [InlineData(40, 180.0)]
    [InlineData(70, 159.0)]
    public void MaxHeartRateIsTanaka(int age, double expected)
    {
        FeatureExtractor.MaxHeartRate(age).Should().BeApproximately(expected, 1e-12);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(150)]
    public void MaxHeartRateIsNaNWithoutAPlausibleAge(int? age)
    {
        double.IsNaN(FeatureExtractor.MaxHeartRate(age)).Should().BeTrue();
    }

    [Fact]
    public void HrPctMaxUsesAgeWhenKnown()
    {
        var f = Compute(new Sensors(126), Amsterdam40, Utc(2026, 6, 10, 10, 0));

        f.HrPctMax.Should().BeApproximately(126.0 / 180.0, 1e-12); // 0.7
    }

    [Fact]
    public void HrPctMaxIsNaNWithoutAgeButIntensityIsStillEstimated()
    {
        var f = Compute(new Sensors(126, 0, 0, 0), Amsterdam40 with { Age = null }, Utc(2026, 6, 10, 10, 0));

        double.IsNaN(f.HrPctMax).Should().BeTrue();
        f.Hr.Should().Be(126);
        // h = (126/185 − 0.5)/0.4 = 0.45270…, m = 0 → I = 0.6·h
        f.Intensity.Should().BeApproximately(0.6 * ((126.0 / 185.0) - 0.5) / 0.4, 1e-12);
    }

    [Fact]
    public void IntensityPinsReferenceValues()
    {
        // hand-computed from the documented formula
        // running at 80 % HRmax: h = 0.75; m = max((165−60)/120, 3/4, 4/8) = 0.875; I = 0.45 + 0.35
        FeatureExtractor.Intensity(0.8 * 187, 187, 3, 165, 4).Should().BeApproximately(0.8, 1e-12);
        // resting: h = 0 (below 50 %), m = max(0, 0, 0.1/8) = 0.0125; I = 0.005
        FeatureExtractor.Intensity(60, 187, 0, 0, 0.1).Should().BeApproximately(0.005, 1e-12);
        // car at 25 m/s with a calm heart: vehicle speed counts 0
        FeatureExtractor.Intensity(70, 187, 25, double.NaN, double.NaN).Should().Be(0);
        // movement only: m = (180−60)/120 = 1
        FeatureExtractor.Intensity(double.NaN, 187, double.NaN, 180, double.NaN).Should().Be(1);
        // capped at 1.5
        FeatureExtractor.Intensity(250, 187, 6.9, 300, 200).Should().Be(1.5);
        double.IsNaN(FeatureExtractor.Intensity(double.NaN, 187, double.NaN, double.NaN, double.NaN)).Should().BeTrue();
    }

    [Fact]
    public void UnknownFeaturesAreNaNNotZero()
    {
        var e = StateEstimate.Unknown(Utc(2026, 6, 10, 10, 0));
        var f = FeatureExtractor.Compute(in e, new UserProfile(null, "UTC", null), new ActivityTracker(), e.AsOfUtcTicks);

        var known = new[] { "localHour", "weekday" };
        for (int i = 0; i < FeatureVector.Count; i++)
        {
            if (known.Contains(FeatureVector.Names[i]))
            {
                double.IsNaN(f[i]).Should().BeFalse(FeatureVector.Names[i]);
            }
            else
            {
                double.IsNaN(f[i]).Should().BeTrue(FeatureVector.Names[i] + " is unknown");
            }
        }
    }

    [Fact]
    public void PassesFilterValuesAndUncertaintiesThrough()
    {
        long now = Utc(2026, 6, 10, 10, 0);
        var e = new StateEstimate(now, 120, 3.5, -4, 2, 0.3, 150, 4, 1.5, 0.2, 52.37, 4.89, 12.5);
        var f = FeatureExtractor.Compute(in e, Amsterdam40, new ActivityTracker(), now);

        (f.Hr, f.HrTrend, f.Speed, f.Cadence, f.Acc, f.HrStd, f.PositionStd).Should().Be((120d, -4d, 2d, 150d, 1.5, 3.5, 12.5));
    }

    [Theory]
    [InlineData(2026, 6, 10, 10, 30, "Europe/Amsterdam", 12.5, 2)]   // CEST (+2), Wednesday
    [InlineData(2026, 1, 15, 10, 30, "Europe/Amsterdam", 11.5, 3)]   // CET (+1), Thursday
    [InlineData(2026, 1, 15, 23, 30, "Europe/Amsterdam", 0.5, 4)]    // next local day, Friday
    [InlineData(2026, 1, 15, 10, 0, "Asia/Kolkata", 15.5, 3)]        // +5:30
    [InlineData(2026, 1, 15, 2, 15, "America/New_York", 21.25, 2)]   // −5, previous local day (Wednesday)
    [InlineData(2026, 1, 15, 10, 45, "UTC", 10.75, 3)]
    public void LocalHourAndWeekdayAreInTheUsersZone(int y, int mo, int d, int h, int mi, string zone, double hour, int weekday)
    {
        var f = Compute(new Sensors(60), new UserProfile(null, zone, null), Utc(y, mo, d, h, mi));

        f.LocalHour.Should().BeApproximately(hour, 1e-9);
        f.Weekday.Should().Be(weekday);
    }

    [Fact]
    public void LocalHourJumpsAcrossTheSpringDstBoundary()
    {
        // Europe/Amsterdam: 2026-03-29 01:00 UTC, clocks go 02:00 CET → 03:00 CEST (a Sunday)
        var before = Compute(new Sensors(60), Amsterdam40, Utc(2026, 3, 29, 0, 59, 0));
        var after = Compute(new Sensors(60), Amsterdam40, Utc(2026, 3, 29, 1, 0, 0));

        before.LocalHour.Should().BeApproximately(1 + (59.0 / 60), 1e-9);
        after.LocalHour.Should().BeApproximately(3.0, 1e-9);
        (before.Weekday, after.Weekday).Should().Be((6d, 6d));
    }

    [Fact]
    public void LocalHourRepeatsAcrossTheAutumnDstBoundary()
    {
        // Europe/Amsterdam: 2026-10-25 01:00 UTC, clocks go 03:00 CEST → 02:00 CET
        var cest = Compute(new Sensors(60), Amsterdam40, Utc(2026, 10, 25, 0, 30));
        var cet = Compute(new Sensors(60), Amsterdam40, Utc(2026, 10, 25, 1, 30));

        cest.LocalHour.Should().BeApproximately(2.5, 1e-9);
        cet.LocalHour.Should().BeApproximately(2.5, 1e-9);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    [InlineData("../../etc/passwd")]
    [InlineData("Europe/Amsterdam\0")]
    public void InvalidZoneFallsBackToUtc(string zone)
    {
        var f = Compute(new Sensors(60), new UserProfile(null, zone, null), Utc(2026, 6, 10, 10, 30));

        f.LocalHour.Should().BeApproximately(10.5, 1e-9);
        UserTimeZones.Resolve(zone).Should().BeSameAs(TimeZoneInfo.Utc);
    }

    [Fact]
    public void TimeZoneIsResolvedOnceAndCached()
    {
        UserTimeZones.Resolve("Europe/Amsterdam").Should().BeSameAs(UserTimeZones.Resolve("Europe/Amsterdam"));
        UserTimeZones.Resolve("Europe/Amsterdam").BaseUtcOffset.Should().Be(TimeSpan.FromHours(1));
    }

    [Fact]
    public void MinutesSinceWorkoutIsNaNUntilAWorkoutIsSeen()
    {
        var s = new Scenario(Amsterdam40, new DateTime(2026, 6, 10, 7, 0, 0, DateTimeKind.Utc))
            .Hold(TimeSpan.FromMinutes(30), Sensors.Sitting(65));

        var f = s.Features(Sensors.Sitting(65));

        double.IsNaN(f.MinutesSinceWorkout).Should().BeTrue();
        f.MinutesInActivity.Should().BeApproximately(30, 1e-9);
    }
}
