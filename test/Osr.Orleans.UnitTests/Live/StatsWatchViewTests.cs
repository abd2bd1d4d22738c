using Osr.Orleans.Client.Commands;
using Osr.Orleans.Client.Live;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.UnitTests.Live;

public sealed class StatsWatchViewTests
{
    private static readonly DateTimeOffset Since = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

    private static StatsJson Snapshot(Dictionary<string, long> counters) =>
        StatsCommands.ToJson(new ClusterStats(new CounterSet(counters), ["silo-a"], Since, Since.AddMinutes(5),
            [new SiloGauges("silo-a", Since.AddMinutes(5), 1, 2, 3, 4, 5)]));

    private static readonly Dictionary<string, long> Busy = new()
    {
        [CounterNames.ReadingsAccepted] = 12_345,
        [CounterNames.ReadingsRejectedPrefix + "too-late"] = 7,
        [CounterNames.DecisionsSent] = 40,
        [CounterNames.DecisionsExplored] = 4,
        [CounterNames.DecisionsSuppressedPrefix + "quiet-hours"] = 30,
        [CounterNames.DecisionsSuppressedPrefix + "below-threshold"] = 100,
        [CounterNames.DecisionsSuppressedPrefix + "cap.day"] = 0,
        [CounterNames.NotificationsPrefix + "sent"] = 40,
        [CounterNames.NotificationsPrefix + "converted"] = 10,
    };

    [Fact]
    public void RowsShowTheHeadlineCountersInOrder()
    {
        var rows = StatsWatchView.Rows(Snapshot(Busy));
        rows.Should().StartWith([new StatsRow("readings", "accepted", "12,345"), new StatsRow("readings", "duplicate", "0"),
            new StatsRow("readings", "rejected: too-late", "7")]);
        rows.Should().Contain(new StatsRow("decisions", "sent", "40"));
        rows.Should().Contain(new StatsRow("decisions", "of which explored", "4"));
        rows.Should().Contain(new StatsRow("decisions", "suppressed", "130"));
        rows.Should().Contain(new StatsRow("notifications", "conversion", "25.0 %"));
        rows.Should().Contain(new StatsRow("notifications", "open rate", "0.0 %"));
        rows.Should().Contain(new StatsRow("silo silo-a", "users / devices / MQTT", "3 / 4 / 5"));
    }

    [Fact]
    public void TheChartHasSentThenEachSuppressingRuleWithoutZeroBars()
    {
        StatsWatchView.Outcomes(Snapshot(Busy)).Should().Equal(
            new OutcomeBar("sent", 40), new OutcomeBar("below-threshold", 100), new OutcomeBar("quiet-hours", 30));
        StatsWatchView.Outcomes(Snapshot([])).Should().BeEmpty();
    }

    [Fact]
    public void UnknownRatesShowAsDashesNotZero()
    {
        StatsWatchView.Rows(Snapshot([])).Should().Contain(new StatsRow("notifications", "conversion", "—"));
    }

    [Fact]
    public void APlainLineCarriesTheCountersOfOneUpdate()
    {
        StatsWatchView.Line(Snapshot(Busy)).Should().Be(
            "2026-12-06T00:05:00Z readings accepted=12345 duplicate=0 rejected=7 decisions sent=40 below-threshold=100 quiet-hours=30 " +
            "notifications sent=40 opened=0 converted=10 conversion=25.0 % ingest lag p50/p99/p999 —/—/— ms over the last 60 s (nothing applied)");
    }

    [Fact]
    public void TheLiveViewDrawsTheTableAndTheChart()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 120;
        console.Write(StatsWatchView.Render(Snapshot(Busy), updates: 3));
        var drawn = text.ToString();
        drawn.Should().Contain("update 3").And.Contain("Decisions by outcome").And.Contain("below-threshold").And.Contain("12,345");
    }
}
