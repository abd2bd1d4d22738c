using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;

namespace Osr.Orleans.UnitTests.Metrics;

public class DecisionCountersTests
{
    private const string Sent = CounterNames.NotificationsSent;

    [Fact]
    public void SegmentsBeyondTheBoundAreCountedAsOtherSoTheCountersStayBounded()
    {
        var counters = new DecisionCounters();

        for (var i = 0; i < DecisionCounters.MaxBreakdownValues + 50; i++)
            counters.Add(Sent + CounterNames.BySegment + $"imported.segment-{i}");
        counters.Add(Sent + CounterNames.BySegment + "imported.segment-0", 2);

        var delta = new Dictionary<string, long>();
        counters.TakeDelta(delta);
        delta.Keys.Count(k => k.Contains(CounterNames.BySegment, StringComparison.Ordinal)).Should().Be(DecisionCounters.MaxBreakdownValues + 1);
        delta[Sent + CounterNames.BySegment + "imported.segment-0"].Should().Be(3, "a value seen before the bound keeps its own counter");
        delta[Sent + CounterNames.BySegment + DecisionCounters.OtherValue].Should().Be(50);
        counters.Total(Sent + CounterNames.BySegment + "imported.segment-120").Should().Be(0);
    }

    [Fact]
    public void ModelVersionsAndOtherCountersAreNotFolded()
    {
        var counters = new DecisionCounters();
        for (var i = 0; i < DecisionCounters.MaxBreakdownValues; i++) counters.Add(Sent + CounterNames.BySegment + $"s{i}");
        for (var i = 0; i < DecisionCounters.MaxBreakdownValues; i++) counters.Add(Sent + CounterNames.ByModel + $"p-{i}");

        counters.Add(Sent + CounterNames.ByModel + "p-20261206");
        counters.Add(CounterNames.DecisionsSuppressedPrefix + "quiet");
        counters.Add(Sent + CounterNames.ByArm + "a");

        counters.Total(Sent + CounterNames.ByModel + "p-20261206").Should().Be(1);
        counters.Total(CounterNames.DecisionsSuppressedPrefix + "quiet").Should().Be(1);
        counters.Total(Sent + CounterNames.ByArm + "a").Should().Be(1);
    }
}
