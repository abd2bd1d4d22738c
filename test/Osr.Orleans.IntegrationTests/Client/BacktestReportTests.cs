using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Features;

namespace Osr.Orleans.IntegrationTests.Client;

public class BacktestReportTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    private static readonly BacktestUser[] Users =
    [
        new("u1", TimeZoneInfo.Utc),
        new("u2", TimeZoneInfo.Utc),
        new("u3", Tokyo),   // +9: the two simulated days touch three local days (2 Nov 09:00 → 4 Nov 09:00)
    ];

    private static BacktestPush Push(string user, string ts, string item, string label, int hour, double p, double blind, string outcome = "")
    {
        var t = DateTimeOffset.Parse(ts, System.Globalization.CultureInfo.InvariantCulture);
        var zone = user == "u3" ? Tokyo : TimeZoneInfo.Utc;
        return new BacktestPush(user, item, item[..item.IndexOf('-')], t, label, StateBlindSampler.LocalDay(t, zone), hour, 0.9, p, blind,
            Opened: outcome is "converted" or "opened", Converted: outcome == "converted");
    }

    /// <summary>Eleven hand-built pushes of three users over two days (the expected numbers are worked out by hand below).</summary>
    private static readonly BacktestPush[] Pushes =
    [
        Push("u1", "2026-11-02T08:10:00Z", "drinks-01", "post-workout", 8, 0.45, 0.1, "converted"),
        Push("u1", "2026-11-02T12:00:00Z", "recipes-02", "rest", 12, 0.45, 0.1, "converted"),
        Push("u1", "2026-11-02T19:30:00Z", "drinks-03", "post-workout", 19, 0.40, 0.2, "opened"),
        Push("u1", "2026-11-03T19:40:00Z", "drinks-01", "post-workout", 19, 0.30, 0.1),
        Push("u2", "2026-11-03T08:00:00Z", "recipes-01", "rest", 8, 0.30, 0.1, "converted"),
        Push("u2", "2026-11-03T13:00:00Z", "recipes-02", "rest", 13, 0.20, 0.1, "opened"),
        Push("u2", "2026-11-03T18:00:00Z", "drinks-04", "commute", 18, 0.20, 0.2),
        Push("u2", "2026-11-03T21:00:00Z", "recipes-05", "rest", 21, 0.10, 0.1),
        Push("u3", "2026-11-02T11:00:00Z", "drinks-02", "post-workout", 20, 0.10, 0.1),
        Push("u3", "2026-11-03T23:30:00Z", "drinks-06", "commute", 8, 0.05, 0.1),
        Push("u3", "2026-11-03T23:50:00Z", "recipes-03", "post-workout", 8, 0.05, 0.1),
    ];

    private static BacktestRunFacts Facts(CounterSet? before = null, CounterSet? after = null) => new(
        Start,
        Start.AddDays(2),
        2,
        Users,
        5,
        TimeSpan.FromMinutes(15),
        TimeSpan.FromSeconds(30),
        1,
        StateBlindSampler.DefaultSamples,
        new BacktestReadingsJson(1000, 990, 10, 40, 40, [], 0, [], 3),
        new BacktestFeedbackJson(11, 11, 5, 3, 6, []),
        before,
        after,
        12.3456);

    [Fact]
    public void PushesCsvHasAHeaderAndOneRowPerPushInOrder()
    {
        var pushes = new[] { Pushes[0] with { TrueLabel = "workout" }, Pushes[5] };

        var lines = BacktestReport.PushesCsv(pushes).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines.Should().Equal(
            BacktestReport.PushesCsvHeader,
            "u1,drinks-01,drinks,2026-11-02T08:10:00Z,post-workout,workout,8,0.9,0.45,0.1,1,1",
            "u2,recipes-02,recipes,2026-11-03T13:00:00Z,rest,,13,0.9,0.2,0.1,1,0");
        lines[0].Split(',').Should().HaveCount(lines[1].Split(',').Length);
    }

    [Fact]
    public void PerDayConversionAndRatioAreOfEachSimulatedDaysPushesAlone()
    {
        var days = BacktestReport.Build(Facts(), Pushes).ByDay!;

        days.Select(d => d.Day).Should().Equal(1, 2);
        // Day 1 (2 Nov 00:00Z–3 Nov 00:00Z): u1 08:10, 12:00, 19:30 and u3 11:00; two converted.
        days[0].Pushes.Should().Be(4);
        days[0].Converted.Should().Be(2);
        days[0].ConversionPerPush.Should().BeApproximately(0.5, 1e-12);
        days[0].Osr.Should().BeApproximately((0.45 + 0.45 + 0.40 + 0.10) / 4, 1e-12);
        days[0].StateBlind.Should().BeApproximately((0.1 + 0.1 + 0.2 + 0.1) / 4, 1e-12);
        days[0].Ratio.Should().BeApproximately(1.40 / 0.50, 1e-12);
        // Day 2: the other seven, one converted; Σp = 1.20, Σblind = 0.80.
        days[1].Pushes.Should().Be(7);
        days[1].Converted.Should().Be(1);
        days[1].ConversionPerPush.Should().BeApproximately(1.0 / 7, 1e-12);
        days[1].Ratio.Should().BeApproximately(1.20 / 0.80, 1e-12);
    }

    [Fact]
    public void ADayWithoutPushesIsListedWithNulls()
    {
        var days = BacktestReport.Build(Facts(), Pushes.Take(3).ToList()).ByDay!;

        days.Should().HaveCount(2);
        days[1].Pushes.Should().Be(0);
        days[1].ConversionPerPush.Should().BeNull();
        days[1].Ratio.Should().BeNull();
    }

    [Fact]
    public void TheSegmentGapIsTheLargestMinusTheSmallestConversionPerPush()
    {
        BacktestUser[] users = [new("u1", TimeZoneInfo.Utc, "a"), new("u2", TimeZoneInfo.Utc, "b"), new("u3", Tokyo), new("u4", TimeZoneInfo.Utc, "c")];
        var segments = BacktestReport.BySegment(Facts() with { Users = users }, Pushes);

        segments.BySegment.Keys.Should().Equal("a", "b", "c", "none");
        segments.BySegment["a"].Should().Be(new BacktestSegmentJson(4, 2, 0.5, segments.BySegment["a"].Ratio));
        segments.BySegment["a"].Ratio.Should().BeApproximately(1.60 / 0.50, 1e-12);
        segments.BySegment["b"].ConversionPerPush.Should().BeApproximately(0.25, 1e-12);
        segments.BySegment["none"].Pushes.Should().Be(3);
        segments.BySegment["none"].ConversionPerPush.Should().Be(0);
        segments.BySegment["c"].Should().Be(new BacktestSegmentJson(0, 0, null, null)); // no pushes: not in the gap
        segments.Gap.Should().BeApproximately(0.5, 1e-12);
    }

    [Fact]
    public void PushesPerUserPerDayCountEveryLocalDayTheRunTouched()
    {
        var r = BacktestReport.Build(Facts(), Pushes);

        r.Pushes.Total.Should().Be(11);
        // 11 pushes / (3 users × 2 days).
        r.Pushes.PerUserPerDay.Mean.Should().BeApproximately(11 / 6.0, 1e-12);
        r.Pushes.PerUserPerDay.Max.Should().Be(4);
        // u1: 3, 1 — u2: 0, 4 — u3 (Tokyo): 1, 0, 2.
        r.Pushes.PerUserPerDay.UserDays.Should().Be(7);
        r.Pushes.PerUserPerDay.Distribution.Should().Equal(new Dictionary<string, long> { ["0"] = 2, ["1"] = 2, ["2"] = 1, ["3"] = 1, [">3"] = 1 });
    }

    [Fact]
    public void PushesAreBrokenDownByLabelCategoryAndLocalHour()
    {
        var r = BacktestReport.Build(Facts(), Pushes);

        r.Pushes.ByLabel.Should().Equal(new Dictionary<string, long> { ["commute"] = 2, ["post-workout"] = 5, ["rest"] = 4 });
        r.Pushes.ByLabel.Keys.Should().BeInAscendingOrder(StringComparer.Ordinal);
        r.Pushes.ByCategory.Should().Equal(new Dictionary<string, long> { ["drinks"] = 6, ["recipes"] = 5 });
        var hours = new long[24];
        hours[8] = 4;
        hours[12] = 1;
        hours[13] = 1;
        hours[18] = 1;
        hours[19] = 2;
        hours[20] = 1;
        hours[21] = 1;
        r.Pushes.ByLocalHour.Should().Equal(hours);
    }

    [Fact]
    public void ConversionAndTheStateBlindComparison()
    {
        var r = BacktestReport.Build(Facts(), Pushes);

        r.Conversion.PerPush.Should().BeApproximately(3 / 11.0, 1e-12);
        r.Conversion.OpenedPerPush.Should().BeApproximately(5 / 11.0, 1e-12);
        // Σ world p at the push times = 2.60; Σ state-blind means = 9 × 0.1 + 2 × 0.2 = 1.30.
        r.StateBlind.Pushes.Should().Be(11);
        r.StateBlind.Samples.Should().Be(20);
        r.StateBlind.Osr.Should().BeApproximately(2.60 / 11, 1e-12);
        r.StateBlind.StateBlind.Should().BeApproximately(1.30 / 11, 1e-12);
        r.StateBlind.Ratio.Should().BeApproximately(2.0, 1e-12);
    }

    [Fact]
    public void DecisionsAreCounterDeltasBetweenStartAndEnd()
    {
        var before = new CounterSet(new Dictionary<string, long>
        {
            ["decisions.sent"] = 10, ["decisions.explored"] = 1, ["decisions.suppressed.quiet"] = 5, ["decisions.suppressed.cap.day"] = 2,
            ["notifications.sent"] = 11, ["notifications.opened"] = 3, ["readings.accepted"] = 100,
        });
        var after = new CounterSet(new Dictionary<string, long>
        {
            ["decisions.sent"] = 20, ["decisions.explored"] = 2, ["decisions.suppressed.quiet"] = 25, ["decisions.suppressed.cap.day"] = 2,
            ["decisions.suppressed.gap.similar"] = 7, ["notifications.sent"] = 22, ["notifications.sent.model.v1"] = 22,
            ["notifications.delivered"] = 11, ["notifications.opened"] = 8, ["notifications.converted"] = 3, ["notifications.dismissed"] = 6,
            ["readings.accepted"] = 5000,
        });

        var r = BacktestReport.Build(Facts(before, after), Pushes);

        r.Decisions.Should().NotBeNull();
        r.Decisions!.Sent.Should().Be(10);
        r.Decisions.Explored.Should().Be(1);
        r.Decisions.Suppressed.Should().Equal(new Dictionary<string, long> { ["gap.similar"] = 7, ["quiet"] = 20 });
        r.Decisions.Suppressed.Keys.Should().BeInAscendingOrder(StringComparer.Ordinal);
        r.Notifications.Should().Be(new BacktestNotificationCountersJson(11, 11, 5, 3, 6));
    }

    [Fact]
    public void WithoutCountersOrPushesTheUnknownsAreNull()
    {
        var r = BacktestReport.Build(Facts(), []);

        r.Decisions.Should().BeNull();
        r.Notifications.Should().BeNull();
        r.Conversion.PerPush.Should().BeNull();
        r.Conversion.OpenedPerPush.Should().BeNull();
        r.StateBlind.Osr.Should().BeNull();
        r.StateBlind.StateBlind.Should().BeNull();
        r.StateBlind.Ratio.Should().BeNull();
        r.Pushes.PerUserPerDay.Mean.Should().Be(0);
        r.Pushes.PerUserPerDay.Distribution["0"].Should().Be(7);
    }

    [Fact]
    public void AStoppedRunAveragesOverTheSimulatedTimeItCovered()
    {
        var facts = Facts() with { End = Start.AddHours(12) };

        var r = BacktestReport.Build(facts, Pushes.Take(2).ToList());

        // 2 pushes / (3 users × 0.5 days); local days touched: u1, u2 one each, u3 (Tokyo 09:00–21:00) one.
        r.Pushes.PerUserPerDay.Mean.Should().BeApproximately(2 / 1.5, 1e-12);
        r.Pushes.PerUserPerDay.UserDays.Should().Be(3);
        r.End.Should().Be(Start.AddHours(12));
    }

    [Fact]
    public void TheJsonUsesCamelCaseNamesAndKeepsUnknownsAsNull()
    {
        var json = JsonSerializer.Serialize(BacktestReport.Build(Facts(), []), BacktestJsonContext.Readable.BacktestJson);
        json.Should().Contain("\">3\": 0");
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        root.GetProperty("clock").GetString().Should().Be("event");
        root.GetProperty("days").GetInt32().Should().Be(2);
        root.GetProperty("step").GetString().Should().Be("15m");
        root.GetProperty("interval").GetString().Should().Be("30s");
        root.GetProperty("pushes").GetProperty("perUserPerDay").GetProperty("distribution").GetProperty(">3").GetInt64().Should().Be(0);
        root.GetProperty("pushes").GetProperty("byLocalHour").GetArrayLength().Should().Be(24);
        root.GetProperty("stateBlind").GetProperty("ratio").ValueKind.Should().Be(JsonValueKind.Null);
        root.GetProperty("decisions").ValueKind.Should().Be(JsonValueKind.Null);
        root.GetProperty("readings").GetProperty("quotaWaits").GetInt64().Should().Be(3);
        root.GetProperty("wallSeconds").GetDouble().Should().Be(12.346);
    }

    [Fact]
    public void TheTableShowsEveryFigure()
    {
        var before = new CounterSet(new Dictionary<string, long> { ["decisions.sent"] = 0 });
        var after = new CounterSet(new Dictionary<string, long> { ["decisions.sent"] = 11, ["decisions.suppressed.quiet"] = 4 });
        var report = BacktestReport.Build(Facts(before, after), Pushes);
        var writer = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(writer),
            Ansi = Spectre.Console.AnsiSupport.No,
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
            Interactive = Spectre.Console.InteractionSupport.No,
        });
        console.Profile.Width = 200;

        BacktestRunner.Render(console, report, duplicates: 2, feedback: true);

        var text = writer.ToString();
        text.Should().Contain("11 (+2 redelivered)").And.Contain("1.833").And.Contain("2 / 2 / 1 / 1 / 1");
        text.Should().Contain("suppressed: quiet").And.Contain("27.3 %").And.Contain("45.5 %");
        text.Should().Contain("E[conversion | OSR times]").And.Contain("0.2364").And.Contain("0.1182").And.Contain("2.00×");
        text.Should().Contain("commute 2, post-workout 5, rest 4").And.Contain("08h:4");
    }

    // ---- what a push is recorded with ----

    private static SimUser RealDayUser(string zone)
    {
        var traits = UserTraits.Generate(1, 4) with { TimeZoneId = zone, DayShiftMinutes = 0 };
        return new SimUser(4, "t-u00004", traits, new LifeScript(traits, null));
    }

    private static ReceivedNotification Notification(SimUser user, DateTimeOffset ts, string item = "drinks-01", string category = "drinks") =>
        new(user, user.UserId + "-watch", "n-1", item, category, 0.91, 1.7, 0.42, "post-workout", ts, ts.AddHours(1), 0);

    [Fact]
    public void APushIsRecordedWithTheWorldsProbabilityAndItsStateBlindMean()
    {
        // A world that only likes post-workout: 0.5 then, 0.1 awake otherwise, 0 asleep.
        var world = new World(["drinks"], (ActivityLabel label, string _, in FeatureVector _) =>
            label == ActivityLabel.PostWorkout ? 0.5 : label == ActivityLabel.Sleep ? 0 : 0.1);
        var user = RealDayUser("Europe/Amsterdam");
        var ts = new DateTimeOffset(2026, 11, 3, 19, 10, 0, TimeSpan.FromHours(1));   // 19:10 local: recovery (19:00–19:25)
        var n = Notification(user, ts);
        var plan = FeedbackModel.Plan(world, n, 1);

        var push = BacktestRunner.Record(world, 1, n, plan);

        plan.Probability.Should().Be(0.5);
        push.WorldProbability.Should().Be(0.5);
        push.LocalDay.Should().Be(new DateOnly(2026, 11, 3));
        push.LocalHour.Should().Be(19);
        push.Label.Should().Be("post-workout");
        push.Category.Should().Be("drinks");
        // 20 waking times (07:00–22:00): 25 of the 900 minutes are recovery, the rest rest/commute/workout (0.1).
        push.StateBlindProbability.Should().BeInRange(0.1, 0.5);
        BacktestRunner.Record(world, 1, n, plan).Should().Be(push, "the state-blind draws are a pure function of the seed and the push");
        BacktestRunner.Record(world, 2, n, plan).StateBlindProbability.Should().BeInRange(0.1, 0.5);
    }

    // ---- feedback ----

    [Fact]
    public void FeedbackFollowsTheDrawInOrderWithSmallDelays()
    {
        var ts = new DateTimeOffset(2026, 11, 3, 18, 0, 0, TimeSpan.Zero);

        var never = FeedbackModel.Plan(0, "n", ts, 5);
        var always = FeedbackModel.Plan(1, "n", ts, 5);

        never.Events.Select(e => e.Action).Should().Equal("delivered", "dismissed");
        never.Converted.Should().BeFalse();
        always.Events.Select(e => e.Action).Should().Equal("delivered", "opened", "converted");
        always.Opened.Should().BeTrue();
        always.Converted.Should().BeTrue();
        foreach (var plan in new[] { never, always })
        {
            plan.Events.Select(e => e.Ts).Should().BeInAscendingOrder();
            plan.Events[0].Ts.Should().BeOnOrAfter(ts.AddSeconds(1)).And.BeOnOrBefore(ts.AddSeconds(3));
            plan.Events[^1].Ts.Should().BeOnOrBefore(ts.AddSeconds(60));
            plan.Events.Should().OnlyContain(e => e.NotificationId == "n");
        }
    }

    [Fact]
    public void ConversionAndOpeningHappenAtTheWorldsRates()
    {
        var ts = new DateTimeOffset(2026, 11, 3, 18, 0, 0, TimeSpan.Zero);
        const int N = 20_000;

        var plans = Enumerable.Range(0, N).Select(k => FeedbackModel.Plan(0.3, "n", ts, SimRandom.Hash(99, (ulong)k))).ToList();

        // P(converted) = p = 0.3, P(opened) = p + 0.25(1 − p) = 0.475; binomial standard error ≤ 0.0036.
        (plans.Count(p => p.Converted) / (double)N).Should().BeApproximately(0.3, 0.015);
        (plans.Count(p => p.Opened) / (double)N).Should().BeApproximately(0.475, 0.015);
        plans.Where(p => !p.Opened).Should().OnlyContain(p => p.Events.Last().Action == "dismissed");
    }

    [Fact]
    public void AFeedbackEventIsTheContractsJson()
    {
        var e = new FeedbackEvent("n-42", "opened", new DateTimeOffset(2026, 11, 3, 18, 0, 5, 250, TimeSpan.Zero));

        Encoding.UTF8.GetString(e.ToJson()).Should().Be("""{"type":"feedback","notificationId":"n-42","action":"opened","ts":"2026-11-03T18:00:05.250Z","eventId":"n-42:opened"}""");
    }

    // ---- receiving ----

    private static ReadOnlySequence<byte> Payload(string json) => new(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void TheListenerParsesCountsAndDeduplicatesNotifications()
    {
        var user = RealDayUser("UTC");
        var listener = new NotificationListener([user], new FakeTimeProvider(Start));
        var json = $$"""
            {"notificationId":"n-1","userId":"{{user.UserId}}","itemId":"drinks-03","category":"drinks","osr":0.91,"affinity":1.7,
             "propensity":0.42,"state":"post-workout","ts":"2026-11-02T19:10:00.000Z","expiresAt":"2026-11-02T20:10:00.000Z","extra":1}
            """;

        listener.Accept(user.UserId + "-watch", Payload(json)).Should().BeTrue();
        listener.Accept(user.UserId + "-watch", Payload(json)).Should().BeFalse("QoS 1 may redeliver");
        listener.Accept(user.UserId + "-watch", Payload("""{"notificationId":"n-2","userId":"someone-else","itemId":"x","ts":"2026-11-02T19:10:00Z"}""")).Should().BeFalse();
        listener.Accept(user.UserId + "-watch", Payload("not json")).Should().BeFalse();
        listener.Accept(user.UserId + "-watch", Payload($$"""{"notificationId":"n-3","userId":"{{user.UserId}}","itemId":"x"}""")).Should().BeFalse("ts is required");

        listener.Received.Should().Be(1);
        listener.Duplicates.Should().Be(1);
        listener.Malformed.Should().Be(3);
        listener.TryDequeue(out var n).Should().BeTrue();
        listener.TryDequeue(out _).Should().BeFalse();
        n.Should().BeEquivalentTo(new
        {
            NotificationId = "n-1", ItemId = "drinks-03", Category = "drinks", Osr = 0.91, State = "post-workout",
            Ts = new DateTimeOffset(2026, 11, 2, 19, 10, 0, TimeSpan.Zero), DeviceId = user.UserId + "-watch",
        });
        n.User.Should().BeSameAs(user);
        listener.Latest(user.UserId).Should().BeSameAs(n);
        WatchView.LastPush(n).Should().Be("→ drinks-03 (0.91)");
        WatchView.LastPush(null).Should().Be("—");
        NotificationListener.NotificationsTopic(user.UserId).Should().Be($"osr/v1/users/{user.UserId}/notifications");
        NotificationListener.EventsTopic("d-1").Should().Be("osr/v1/devices/d-1/events");
    }

    [Fact]
    public async Task TheWallClockSummaryKeepsEveryFieldAndAddsNotifications()
    {
        var stats = new SimulationStats();
        var summary = stats.ToJson(3, 5, 5, 10, 5);
        var notifications = new SimulationNotificationsJson(4, 1, 0, 4, new Dictionary<string, long> { ["delivered"] = 4, ["opened"] = 2 }, [], 0);
        var writer = new StringWriter();

        await SimulationRunner.WriteJsonAsync(writer, summary, notifications);

        using var doc = JsonDocument.Parse(writer.ToString());
        var root = doc.RootElement;
        var plain = JsonDocument.Parse(JsonSerializer.Serialize(summary, AdminJsonContext.Default.SimulationJson)).RootElement;
        foreach (var property in plain.EnumerateObject()) root.TryGetProperty(property.Name, out _).Should().BeTrue(property.Name);
        root.GetProperty("notifications").GetProperty("received").GetInt64().Should().Be(4);
        root.GetProperty("notifications").GetProperty("feedbackSent").GetProperty("opened").GetInt64().Should().Be(2);
    }
}
