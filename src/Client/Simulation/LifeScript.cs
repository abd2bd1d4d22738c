namespace Osr.Orleans.Client.Simulation;

/// <summary>What a simulated person is doing.</summary>
public enum LifePhase : byte
{
    Sleep,
    Rest,
    Commute,
    Desk,
    WarmUp,
    Workout,
    Recovery,
}

public enum CommuteMode : byte
{
    Walk,
    Bike,
    Transit,
}

/// <summary>The person's true (noise-free) physical state at one instant.</summary>
/// <param name="Hr">Heart rate, bpm.</param>
/// <param name="Speed">m/s.</param>
/// <param name="Cadence">Steps/min (0 when cycling or still).</param>
/// <param name="Acc">Dynamic acceleration magnitude, m/s².</param>
public readonly record struct LifeSample(LifePhase Phase, double Hr, double Speed, double Cadence, double Acc, double Lat, double Lon);

/// <summary>
/// The stable traits of one simulated person, drawn deterministically from (seed, user index):
/// age 20–60 and HRmax = 208 − 0.7·age (Tanaka 2001); resting HR 54–68 bpm, sleeping HR 6–10 bpm lower
/// (≈ 48–60); workout intensity 75–88 % of HRmax; run speed 2.5–4 m/s with cadence 150–180 steps/min;
/// a commute by foot (1.3–1.6 m/s), bike (4.5–6 m/s) or transit (7–11 m/s); a home in one of a dozen
/// cities (with that city's IANA time zone) and a random offset of up to 3 km.
/// </summary>
public sealed record UserTraits(
    int Age,
    double RestHr,
    double SleepHr,
    double WorkoutIntensity,
    CommuteMode Commute,
    double CommuteSpeed,
    double RunSpeed,
    double RunCadence,
    string TimeZoneId,
    string Segment,
    double HomeLat,
    double HomeLon,
    double HeadingRadians,
    double PhaseOffset,
    double DayShiftMinutes,
    bool HasPhone)
{
    private static readonly (string Zone, double Lat, double Lon)[] Cities =
    [
        ("Europe/Amsterdam", 52.3702, 4.8952),
        ("Europe/London", 51.5072, -0.1276),
        ("Europe/Berlin", 52.5200, 13.4050),
        ("America/New_York", 40.7128, -74.0060),
        ("America/Chicago", 41.8781, -87.6298),
        ("America/Los_Angeles", 34.0522, -118.2437),
        ("America/Sao_Paulo", -23.5505, -46.6333),
        ("Asia/Tokyo", 35.6762, 139.6503),
        ("Asia/Kolkata", 19.0760, 72.8777),
        ("Asia/Singapore", 1.3521, 103.8198),
        ("Australia/Sydney", -33.8688, 151.2093),
        ("Africa/Johannesburg", -26.2041, 28.0473),
    ];

    private static readonly string[] Segments = ["running", "cycling", "powerlifting", "yoga", "team-sports", "casual"];

    /// <summary>Tanaka's age-predicted maximum heart rate, bpm.</summary>
    public double HrMax => 208 - 0.7 * Age;

    public static UserTraits Generate(ulong seed, int userIndex)
    {
        var h = SimRandom.Hash(seed, (ulong)userIndex, 0x5EED_0F_11FEUL);
        var age = 20 + SimRandom.Index(h, 1, 41);
        var restHr = SimRandom.Between(h, 2, 54, 68);
        var commute = SimRandom.Uniform(h, 3) switch
        {
            < 0.45 => CommuteMode.Walk,
            < 0.80 => CommuteMode.Bike,
            _ => CommuteMode.Transit,
        };
        var commuteSpeed = commute switch
        {
            CommuteMode.Walk => SimRandom.Between(h, 4, 1.3, 1.6),
            CommuteMode.Bike => SimRandom.Between(h, 4, 4.5, 6.0),
            _ => SimRandom.Between(h, 4, 7.0, 11.0),
        };
        var runSpeed = SimRandom.Between(h, 5, 2.5, 4.0);
        var runCadence = Math.Clamp(150 + (runSpeed - 2.5) / 1.5 * 30 + SimRandom.Between(h, 6, -5, 5), 150, 180);
        var city = Cities[SimRandom.Index(h, 7, Cities.Length)];
        var offsetNorth = SimRandom.Between(h, 8, -3000, 3000);
        var offsetEast = SimRandom.Between(h, 9, -3000, 3000);

        return new UserTraits(
            Age: age,
            RestHr: restHr,
            SleepHr: restHr - SimRandom.Between(h, 10, 6, 10),
            WorkoutIntensity: SimRandom.Between(h, 11, 0.75, 0.88),
            Commute: commute,
            CommuteSpeed: commuteSpeed,
            RunSpeed: runSpeed,
            RunCadence: runCadence,
            TimeZoneId: city.Zone,
            Segment: Segments[SimRandom.Index(h, 12, Segments.Length)],
            HomeLat: city.Lat + offsetNorth / Geo.MetresPerDegree,
            HomeLon: city.Lon + offsetEast / (Geo.MetresPerDegree * Math.Cos(city.Lat * Math.PI / 180)),
            HeadingRadians: SimRandom.Between(h, 13, 0, 2 * Math.PI),
            PhaseOffset: SimRandom.Uniform(h, 14),
            DayShiftMinutes: SimRandom.Between(h, 15, -60, 60),
            HasPhone: SimRandom.Uniform(h, 16) < 0.5);
    }
}

/// <summary>One stretch of a life script with its targets and the values it starts from.</summary>
public readonly record struct LifeSegment(
    LifePhase Phase,
    double Start,
    double Duration,
    double Hr0,
    double HrTarget,
    double HrTau,
    double Speed0,
    double SpeedTarget,
    double Cadence0,
    double CadenceTarget,
    double Acc0,
    double AccTarget,
    double MotionTau,
    LifeMotion Motion);

/// <summary>Where the person is during a segment, in metres east (X) and north (Y) of home.</summary>
public readonly record struct LifeMotion(int Kind, double FromX, double FromY, double ToX, double ToY, double CenterX, double CenterY, double Radius, double Angle0, double ArcSpeed)
{
    public const int Still = 0;
    public const int Line = 1;
    public const int Loop = 2;
}

internal static class Geo
{
    public const double MetresPerDegree = 111_320;
}

/// <summary>
/// A deterministic synthetic day (or compressed cycle) of one person: a pure function from wall-clock
/// time to the true physical state, built once per user from <see cref="UserTraits"/>.
/// <para>
/// Each segment has targets (HR, speed, cadence, acceleration) and every channel moves towards its
/// target as a first-order response x(τ) = x* + (x₀ − x*)·e^(−τ/T), with x₀ the value at the end of the
/// previous segment, so the curves are continuous: in a workout HR ramps up to 75–88 % of HRmax with
/// T ≈ 60 s (a few minutes to plateau); in recovery it decays exponentially back towards rest (T ≈ 75 s).
/// </para>
/// <para>
/// Phases: sleep (HR ≈ 48–60, still) → rest → commute (walk/bike/transit speed, HR rest + 8…35) → desk
/// (rest + 6) → warm-up (60 % HRmax, jogging) → workout (run speed 2.5–4 m/s, cadence 150–180) →
/// recovery (cool-down walk) → rest. With a cycle length (<c>--cycle 6m</c>) the whole sequence rest →
/// commute → desk → warm-up → workout → recovery → rest runs in one cycle, offset by a per-user random
/// phase; time constants shrink with the segments (T ≤ duration/4.5) so every phase reaches its targets.
/// Without (<c>--realtime-day</c>) phases follow the person's local clock (sleep 23:00–07:00, commutes
/// around 08:00 and 17:30, workout 18:15–19:00), shifted per user by up to ±1 h.
/// </para>
/// <para>
/// Position: still segments stay put, a commute is a straight line home → work (or back) at the commute
/// speed, and warm-up, workout and recovery run whole laps of a circle, so every period starts and ends
/// at home. A cycle period is two cycles (out to work, then back home).
/// </para>
/// </summary>
public sealed class LifeScript
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;
    private const double Day = 86_400;

    private readonly LifeSegment[] _segments;
    private readonly TimeZoneInfo _zone;
    private readonly double _cosLat;

    /// <param name="cycle">Length of a compressed day; null for the real-time day on the person's local clock.</param>
    public LifeScript(UserTraits traits, TimeSpan? cycle)
    {
        if (cycle is { } c && c < TimeSpan.FromSeconds(30)) throw new ArgumentOutOfRangeException(nameof(cycle), "a cycle must be at least 30 s");
        Traits = traits;
        Cycle = cycle;
        _zone = TimeZoneInfo.TryFindSystemTimeZoneById(traits.TimeZoneId, out var zone) ? zone : TimeZoneInfo.Utc;
        _cosLat = Math.Cos(traits.HomeLat * Math.PI / 180);
        var builder = new Builder(traits, cycle is not null);
        if (cycle is { } length) builder.BuildCycles(length.TotalSeconds);
        else builder.BuildDay();
        _segments = builder.Finish();
        PeriodSeconds = _segments[^1].Start + _segments[^1].Duration;
    }

    public UserTraits Traits { get; }

    public TimeSpan? Cycle { get; }

    /// <summary>Length of the repeating script: two cycles, or one day.</summary>
    public double PeriodSeconds { get; }

    public IReadOnlyList<LifeSegment> Segments => _segments;

    /// <summary>Seconds into the period at <paramref name="time"/>.</summary>
    public double PeriodTime(DateTimeOffset time)
    {
        double u;
        if (Cycle is not null)
        {
            u = (time - Epoch).TotalSeconds + Traits.PhaseOffset * PeriodSeconds;
        }
        else
        {
            var local = TimeZoneInfo.ConvertTime(time, _zone);
            u = local.TimeOfDay.TotalSeconds - Traits.DayShiftMinutes * 60;
        }

        u %= PeriodSeconds;
        return u < 0 ? u + PeriodSeconds : u;
    }

    public LifeSample Sample(DateTimeOffset time) => SampleAt(PeriodTime(time));

    /// <summary>The state <paramref name="u"/> seconds into the period.</summary>
    public LifeSample SampleAt(double u)
    {
        var i = _segments.Length - 1;
        while (i > 0 && _segments[i].Start > u) i--;
        var s = _segments[i];
        var tau = Math.Max(0, u - s.Start);

        var hr = s.HrTarget + (s.Hr0 - s.HrTarget) * Math.Exp(-tau / s.HrTau);
        var m = Math.Exp(-tau / s.MotionTau);
        var speed = s.SpeedTarget + (s.Speed0 - s.SpeedTarget) * m;
        var cadence = s.CadenceTarget + (s.Cadence0 - s.CadenceTarget) * m;
        var acc = s.AccTarget + (s.Acc0 - s.AccTarget) * m;

        var mo = s.Motion;
        double x, y;
        switch (mo.Kind)
        {
            case LifeMotion.Line:
                var f = Math.Min(1, tau / s.Duration);
                x = mo.FromX + (mo.ToX - mo.FromX) * f;
                y = mo.FromY + (mo.ToY - mo.FromY) * f;
                break;
            case LifeMotion.Loop:
                var angle = mo.Angle0 + mo.ArcSpeed * tau / mo.Radius;
                x = mo.CenterX + mo.Radius * Math.Cos(angle);
                y = mo.CenterY + mo.Radius * Math.Sin(angle);
                break;
            default:
                x = mo.FromX;
                y = mo.FromY;
                break;
        }

        var lat = Traits.HomeLat + y / Geo.MetresPerDegree;
        var lon = Traits.HomeLon + x / (Geo.MetresPerDegree * _cosLat);
        return new LifeSample(s.Phase, hr, Math.Max(0, speed), Math.Max(0, cadence), Math.Max(0, acc), lat, lon);
    }

    private sealed class Builder(UserTraits t, bool compressed)
    {
        private readonly List<(LifePhase Phase, double Duration, LifeMotion Motion)> _specs = [];
        private double _x;
        private double _y;

        public void BuildCycles(double cycle)
        {
            var commuteDistance = t.CommuteSpeed * 0.14 * cycle;
            var workX = commuteDistance * Math.Cos(t.HeadingRadians);
            var workY = commuteDistance * Math.Sin(t.HeadingRadians);
            for (var c = 0; c < 2; c++)
            {
                Stay(LifePhase.Rest, 0.10 * cycle);
                Travel(0.14 * cycle, c == 0 ? workX : 0, c == 0 ? workY : 0);
                Stay(LifePhase.Desk, 0.16 * cycle);
                Loop((LifePhase.WarmUp, 0.10 * cycle), (LifePhase.Workout, 0.25 * cycle), (LifePhase.Recovery, 0.15 * cycle));
                Stay(LifePhase.Rest, 0.10 * cycle);
            }
        }

        public void BuildDay()
        {
            const double min = 60;
            var commute = 35 * min;
            var distance = t.CommuteSpeed * commute;
            var workX = distance * Math.Cos(t.HeadingRadians);
            var workY = distance * Math.Sin(t.HeadingRadians);
            Stay(LifePhase.Sleep, 7 * 60 * min);          // 00:00–07:00
            Stay(LifePhase.Rest, 60 * min);               // 07:00–08:00
            Travel(commute, workX, workY);                // 08:00–08:35
            Stay(LifePhase.Desk, 235 * min);              // 08:35–12:30
            Stay(LifePhase.Rest, 30 * min);               // lunch
            Stay(LifePhase.Desk, 270 * min);              // 13:00–17:30
            Travel(commute, 0, 0);                        // 17:30–18:05
            Loop((LifePhase.WarmUp, 10 * min), (LifePhase.Workout, 45 * min), (LifePhase.Recovery, 25 * min)); // 18:05–19:25
            Stay(LifePhase.Rest, 215 * min);              // 19:25–23:00
            Stay(LifePhase.Sleep, 60 * min);              // 23:00–24:00
        }

        private void Stay(LifePhase phase, double duration) =>
            _specs.Add((phase, duration, new LifeMotion(LifeMotion.Still, _x, _y, _x, _y, 0, 0, 0, 0, 0)));

        private void Travel(double duration, double toX, double toY)
        {
            _specs.Add((LifePhase.Commute, duration, new LifeMotion(LifeMotion.Line, _x, _y, toX, toY, 0, 0, 0, 0, 0)));
            _x = toX;
            _y = toY;
        }

        /// <summary>Whole laps of one circle through the current point, at each phase's target speed.</summary>
        private void Loop(params (LifePhase Phase, double Duration)[] parts)
        {
            var length = parts.Sum(p => Targets(p.Phase).Speed * p.Duration);
            var laps = Math.Max(1, Math.Round(length / 1500));
            var radius = Math.Max(5, length / (2 * Math.PI * laps));
            var outward = t.HeadingRadians + Math.PI / 2;
            var cx = _x + radius * Math.Cos(outward);
            var cy = _y + radius * Math.Sin(outward);
            var angle = outward + Math.PI;
            foreach (var (phase, duration) in parts)
            {
                var speed = Targets(phase).Speed;
                _specs.Add((phase, duration, new LifeMotion(LifeMotion.Loop, _x, _y, _x, _y, cx, cy, radius, angle, speed)));
                angle += speed * duration / radius;
            }
        }

        public LifeSegment[] Finish()
        {
            var segments = new LifeSegment[_specs.Count];
            var last = Targets(_specs[^1].Phase);
            double hr = last.Hr, speed = last.Speed, cadence = last.Cadence, acc = last.Acc, start = 0;
            for (var i = 0; i < _specs.Count; i++)
            {
                var (phase, duration, motion) = _specs[i];
                var target = Targets(phase);
                var hrTau = compressed ? Math.Max(1, Math.Min(HrTau(phase), duration / 4.5)) : HrTau(phase);
                var motionTau = compressed ? Math.Max(0.5, Math.Min(4, duration / 10)) : 4;
                segments[i] = new LifeSegment(phase, start, duration, hr, target.Hr, hrTau, speed, target.Speed, cadence, target.Cadence,
                    acc, target.Acc, motionTau, motion);

                var decay = Math.Exp(-duration / hrTau);
                hr = target.Hr + (hr - target.Hr) * decay;
                var m = Math.Exp(-duration / motionTau);
                speed = target.Speed + (speed - target.Speed) * m;
                cadence = target.Cadence + (cadence - target.Cadence) * m;
                acc = target.Acc + (acc - target.Acc) * m;
                start += duration;
            }

            return segments;
        }

        /// <summary>Real-life HR time constant of a phase, seconds.</summary>
        private static double HrTau(LifePhase phase) => phase switch
        {
            LifePhase.Sleep => 600,
            LifePhase.Rest or LifePhase.Desk => 120,
            LifePhase.Commute => 45,
            LifePhase.WarmUp => 40,
            LifePhase.Workout => 60,
            _ => 75,
        };

        private (double Hr, double Speed, double Cadence, double Acc) Targets(LifePhase phase) => phase switch
        {
            LifePhase.Sleep => (t.SleepHr, 0, 0, 0.03),
            LifePhase.Rest => (t.RestHr, 0, 0, 0.12),
            LifePhase.Desk => (t.RestHr + 6, 0, 0, 0.2),
            LifePhase.Commute => t.Commute switch
            {
                CommuteMode.Walk => (t.RestHr + 22, t.CommuteSpeed, 110, 1.6),
                CommuteMode.Bike => (t.RestHr + 35, t.CommuteSpeed, 0, 1.1),
                _ => (t.RestHr + 8, t.CommuteSpeed, 0, 0.5),
            },
            LifePhase.WarmUp => (0.60 * t.HrMax, 0.6 * t.RunSpeed, t.RunCadence - 25, 2.2),
            LifePhase.Workout => (t.WorkoutIntensity * t.HrMax, t.RunSpeed, t.RunCadence, 3.0 + (t.RunSpeed - 2.5)),
            _ => (t.RestHr + 3, 0.9, 95, 1.0),
        };
    }
}
