using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary><see cref="IDecisionLog"/>, the same tests on SQLite and PostgreSQL.</summary>
public abstract class DecisionLogTests<TBackend> : StoreSuite<TBackend> where TBackend : IStoreBackend, new()
{
    private static readonly long T0 = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly long Hour = TimeSpan.TicksPerHour;

    protected override string Prefix => "decisions";

    private IDecisionLog Log => Stores.Decisions;

    [Fact]
    public async Task ADecisionIsStoredOnceWhateverIsAppendedAgain()
    {
        var first = Decision("d-1", T0);
        await Log.AppendDecisionAsync(first);
        await Log.AppendDecisionAsync(first with { Outcome = DecisionOutcomes.Suppressed, Reason = "cap.day" });
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Log.AppendDecisionAsync(first)));

        var read = await Log.ReadDecisionAsync("d-1");

        read.Should().BeEquivalentTo(first, o => o.ComparingRecordsByMembers().Excluding(d => d.Features));
        (await ReadSentAsync(0, long.MaxValue)).Should().ContainSingle();
    }

    [Fact]
    public async Task ForgettingAUserDeletesItsDecisionsAndFeedbackOnly()
    {
        await Log.AppendDecisionAsync(Decision("d-gone-1", T0) with { UserId = "u-gone" });
        await Log.AppendDecisionAsync(Decision("d-gone-2", T0 + Hour) with { UserId = "u-gone", Outcome = DecisionOutcomes.Suppressed });
        await Log.AppendDecisionAsync(Decision("d-kept", T0));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-gone-1", "u-gone", FeedbackAction.Opened, T0 + 1));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-gone-1", "u-gone", FeedbackAction.Converted, T0 + 2));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-kept", "u-7", FeedbackAction.Opened, T0 + 1));

        (await Log.ReadUserDecisionIdsAsync("u-gone")).Should().BeEquivalentTo(["d-gone-1", "d-gone-2"]);
        (await Log.ForgetUserAsync("u-gone")).Should().Be(new UserRowsDeleted(2, 2));
        (await Log.ForgetUserAsync("u-gone")).Should().Be(new UserRowsDeleted(0, 0));

        (await Log.ReadUserDecisionIdsAsync("u-gone")).Should().BeEmpty();
        var all = new List<DecisionWithFeedback>();
        await foreach (var d in Log.ReadDecisionsAsync(0, long.MaxValue)) all.Add(d);
        all.Should().ContainSingle().Which.Decision.DecisionId.Should().Be("d-kept");
        all[0].Feedback.Should().Equal(FeedbackAction.Opened);
    }

    [Fact]
    public async Task PruningDeletesDecisionsWithTheirFeedbackAndFeedbackOlderThanItsOwnCutoff()
    {
        await Log.AppendDecisionAsync(Decision("d-old", T0 - Hour));
        await Log.AppendDecisionAsync(Decision("d-new", T0));
        await Log.AppendDecisionAsync(Decision("d-newer", T0 + Hour));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-old", "u-7", FeedbackAction.Opened, T0 + 2 * Hour));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-new", "u-7", FeedbackAction.Opened, T0 + 1));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-newer", "u-7", FeedbackAction.Opened, T0 + 2 * Hour));

        // Decisions before T0 go with their feedback (however recent); feedback before T0 + 1 h goes on its own.
        (await Log.PruneAsync(T0, T0 + Hour)).Should().Be(new UserRowsDeleted(1, 2));
        (await Log.PruneAsync(T0, T0 + Hour)).Should().Be(new UserRowsDeleted(0, 0));
        (await Log.PruneAsync(long.MinValue, long.MinValue)).Should().Be(new UserRowsDeleted(0, 0));

        var all = new List<DecisionWithFeedback>();
        await foreach (var d in Log.ReadDecisionsAsync(0, long.MaxValue)) all.Add(d);
        all.Select(d => (d.Decision.DecisionId, d.Feedback.Length)).Should().Equal(("d-new", 0), ("d-newer", 1));
    }

    [Fact]
    public async Task AnUnknownDecisionReadsAsNull() =>
        (await Log.ReadDecisionAsync("never")).Should().BeNull();

    [Fact]
    public async Task FeaturesAndScoresRoundTripBitForBitIncludingNaN()
    {
        double[] features = [152.5, double.NaN, -3.25, 0, -0.0, double.PositiveInfinity, double.NegativeInfinity,
            double.Epsilon, 1e308, double.NaN, 1.0 / 3, -7, 42];
        var decision = Decision("d-nan", T0) with { Features = features, Affinity = double.NaN, Threshold = double.NaN, AlsVersion = null, Segment = null };

        await Log.AppendDecisionAsync(decision);
        await ReopenAsync();
        var read = (await Log.ReadDecisionAsync("d-nan"))!;

        read.Features.Should().HaveCount(13);
        read.Features.Select(BitConverter.DoubleToInt64Bits).Should().Equal(features.Select(BitConverter.DoubleToInt64Bits));
        double.IsNaN(read.Affinity).Should().BeTrue();
        double.IsNaN(read.Threshold).Should().BeTrue();
        read.Propensity.Should().Be(decision.Propensity);
        read.AlsVersion.Should().BeNull();
        read.Segment.Should().BeNull();
    }

    [Fact]
    public async Task AllDecisionsIncludingSuppressedOnesAreReadInTimeOrderWithinTheWindow()
    {
        await Log.AppendDecisionAsync(Decision("d-3h", T0 + 3 * Hour) with { Outcome = DecisionOutcomes.Suppressed, Reason = "threshold", SendProbability = 0 });
        await Log.AppendDecisionAsync(Decision("d-0h", T0));
        await Log.AppendDecisionAsync(Decision("d-2h", T0 + 2 * Hour) with { Outcome = DecisionOutcomes.Suppressed, Reason = "quiet" });
        await Log.AppendDecisionAsync(Decision("d-4h", T0 + 4 * Hour));
        await Log.AppendDecisionAsync(Decision("d-before", T0 - 1));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-0h", "u-7", FeedbackAction.Converted, T0 + 20));

        var all = new List<DecisionWithFeedback>();
        await foreach (var d in Log.ReadDecisionsAsync(T0, T0 + 4 * Hour)) all.Add(d);

        all.Select(s => s.Decision.DecisionId).Should().Equal("d-0h", "d-2h", "d-3h");
        all[0].Feedback.Should().Equal(FeedbackAction.Converted);
        all[2].Decision.Reason.Should().Be("threshold");
        (await ReadSentAsync(T0, T0 + 4 * Hour)).Select(s => s.Decision.DecisionId).Should().Equal("d-0h");
    }

    [Fact]
    public async Task SentDecisionsAreReadInTimeOrderWithinTheWindowWithTheirFeedback()
    {
        // Appended out of order; one suppressed; one on each window bound.
        await Log.AppendDecisionAsync(Decision("d-3h", T0 + 3 * Hour));
        await Log.AppendDecisionAsync(Decision("d-0h", T0));
        await Log.AppendDecisionAsync(Decision("d-2h", T0 + 2 * Hour) with { Outcome = DecisionOutcomes.Suppressed, Reason = "quiet" });
        await Log.AppendDecisionAsync(Decision("d-4h", T0 + 4 * Hour));
        await Log.AppendDecisionAsync(Decision("d-1h", T0 + Hour) with { Reason = DecisionOutcomes.Explore });
        await Log.AppendDecisionAsync(Decision("d-before", T0 - 1));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-0h", "u-7", FeedbackAction.Converted, T0 + 20));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-0h", "u-7", FeedbackAction.Opened, T0 + 10));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-0h", "u-7", FeedbackAction.Delivered, T0 + 5));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-2h", "u-7", FeedbackAction.Dismissed, T0 + 2 * Hour + 5));
        await Log.AppendFeedbackAsync(new FeedbackRecord("d-3h", "u-7", FeedbackAction.Dismissed, T0 + 3 * Hour + 5));

        var sent = await ReadSentAsync(T0, T0 + 4 * Hour);

        sent.Select(s => s.Decision.DecisionId).Should().Equal("d-0h", "d-1h", "d-3h");
        sent[0].Feedback.Should().Equal(FeedbackAction.Delivered, FeedbackAction.Opened, FeedbackAction.Converted);
        sent[1].Feedback.Should().BeEmpty();
        sent[1].Decision.Reason.Should().Be(DecisionOutcomes.Explore);
        sent[2].Feedback.Should().Equal(FeedbackAction.Dismissed);
    }

    [Fact]
    public async Task FeedbackIsStoredOncePerDecisionAndAction()
    {
        await Log.AppendDecisionAsync(Decision("d-fb", T0));
        var opened = new FeedbackRecord("d-fb", "u-7", FeedbackAction.Opened, T0 + 10);
        await Log.AppendFeedbackAsync(opened);
        await Log.AppendFeedbackAsync(opened with { TimestampUtcTicks = T0 + 99 });
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Log.AppendFeedbackAsync(opened)));
        await Log.AppendFeedbackAsync(opened with { Action = FeedbackAction.Converted });

        var sent = await ReadSentAsync(0, long.MaxValue);

        sent.Single().Feedback.Should().Equal(FeedbackAction.Opened, FeedbackAction.Converted);
    }

    [Fact]
    public async Task InteractionsAndItemsStillWorkBesideTheNewTables()
    {
        await Stores.Events.AppendInteractionsAsync([new Osr.Orleans.Models.Catalog.InteractionRecord("u-7", "drink-3", Osr.Orleans.Models.Catalog.InteractionAction.View, T0)]);
        await Log.AppendDecisionAsync(Decision("d-x", T0));

        (await Stores.Events.CountAsync()).Interactions.Should().Be(1);
    }

    private static DecisionRecord Decision(string id, long decidedTicks) => new(
        DecisionId: id,
        UserId: "u-7",
        ItemId: "drink-3",
        Category: "drinks",
        Label: "post-workout",
        Features: Enumerable.Range(0, 13).Select(i => i * 1.5).ToArray(),
        DecidedUtcTicks: decidedTicks,
        StateUtcTicks: decidedTicks - 3 * TimeSpan.TicksPerSecond,
        Outcome: DecisionOutcomes.Sent,
        Reason: "",
        Affinity: 1.7,
        Propensity: 0.42,
        Raw: 0.714,
        Osr: 0.91,
        Threshold: 0.75,
        SendProbability: 1,
        PropensityVersion: "p-3",
        AlsVersion: "als-12",
        Arm: "a",
        Segment: "powerlifting");

    private async Task<List<DecisionWithFeedback>> ReadSentAsync(long from, long to)
    {
        var list = new List<DecisionWithFeedback>();
        await foreach (var d in Log.ReadSentDecisionsAsync(from, to)) list.Add(d);
        return list;
    }

    [Fact]
    public async Task ManyDecisionsLoggedAtOnceAreAllStoredInTimeOrder()
    {
        // More than one group-commit batch, all at once (the decision path under load).
        await Task.WhenAll(Enumerable.Range(0, 1500).Select(i => Log.AppendDecisionAsync(Decision($"d-{i:D5}", T0 + i))));
        await ReopenAsync();

        var sent = await ReadSentAsync(0, long.MaxValue);

        sent.Select(s => s.Decision.DecisionId).Should().Equal(Enumerable.Range(0, 1500).Select(i => $"d-{i:D5}"));
    }

    [Fact]
    public async Task SentDecisionsWithTheSameTimestampAreReadInIdOrder()
    {
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Log.AppendDecisionAsync(Decision($"same-{i:D2}", T0))));

        var sent = await ReadSentAsync(T0, T0 + 1);

        sent.Select(s => s.Decision.DecisionId).Should().Equal(Enumerable.Range(0, 30).Select(i => $"same-{i:D2}"));
    }

}

public sealed class SqliteDecisionLogTests : DecisionLogTests<SqliteBackend>;

public sealed class PostgreSqlDecisionLogTests : DecisionLogTests<PostgreSqlBackend>;
