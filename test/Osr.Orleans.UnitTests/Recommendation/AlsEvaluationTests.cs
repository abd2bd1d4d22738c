using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

public sealed class AlsEvaluationTests
{
    [Fact]
    public void UserMetricsMatchHandComputedValues()
    {
        // L = [5, 1, 7, 3, 9], R = {1, 3, 4}, K = 5: hits at ranks 2 and 4.
        // recall = 2/3, precision = 2/5,
        // DCG = 1/log₂3 + 1/log₂5 = 0.630930 + 0.430677 = 1.061606,
        // IDCG = 1 + 1/log₂3 + 1/log₂4 = 2.130930, NDCG = 0.498190,
        // AP = (1/min(5, 3))·(1/2 + 2/4) = 1/3.
        var m = AlsEvaluation.UserMetrics([5, 1, 7, 3, 9], [1, 3, 4], 5);
        m.Recall.Should().BeApproximately(2.0 / 3, 1e-12);
        m.Precision.Should().BeApproximately(0.4, 1e-12);
        m.Ndcg.Should().BeApproximately((1 / Math.Log2(3) + 1 / Math.Log2(5)) / (1 + 1 / Math.Log2(3) + 0.5), 1e-12);
        m.Ndcg.Should().BeApproximately(0.498190, 1e-6);
        m.AveragePrecision.Should().BeApproximately(1.0 / 3, 1e-12);

        // Perfect list of a 2-item R at K = 3: all ones except precision 2/3.
        var perfect = AlsEvaluation.UserMetrics([4, 1, 0], [1, 4], 3);
        perfect.Should().Be((1.0, 2.0 / 3, 1.0, 1.0));

        // Only the first K count; a short list is not padded.
        AlsEvaluation.UserMetrics([0, 2], [2], 1).Should().Be((0.0, 0.0, 0.0, 0.0));
        AlsEvaluation.UserMetrics([2], [2, 7], 10).Recall.Should().Be(0.5);
    }

    [Fact]
    public void EvaluationAveragesOverUsersWithNewTestItemsAndExcludesTrainingItems()
    {
        // 3 users, 4 items. Train: u0 {0}, u1 {0, 1}, u2 {3}. Test: u0 {1, 0}, u1 {0} (already
        // seen: not relevant), u2 {2}. Evaluated users: u0 (R = {1}) and u2 (R = {2}).
        var train = InteractionMatrix.FromTriples(3, 4, [0, 1, 1, 2], [0, 0, 1, 3], [1f, 1f, 1f, 1f]);
        Interaction[] test = [new(0, 1, 1, 10), new(0, 0, 1, 11), new(1, 0, 1, 12), new(2, 2, 1, 13)];
        var asked = new List<(int User, int[] Exclude)>();

        // Recommender always proposes items 2, 1, 0, 3 minus exclusions, K = 2.
        var metrics = AlsEvaluation.Evaluate(train, test, () => (user, exclude, destination) =>
        {
            lock (asked)
            {
                asked.Add((user, exclude.ToArray()));
            }

            var count = 0;
            foreach (var item in new[] { 2, 1, 0, 3 })
            {
                if (count < destination.Length && !exclude.Contains(item))
                {
                    destination[count++] = new ScoredItem(item, 0);
                }
            }

            return count;
        }, k: 2);

        // u0: L = [2, 1], R = {1}: recall 1, precision 1/2, NDCG = (1/log₂3)/1, AP = 1/2.
        // u2: L = [2, 1], R = {2}: recall 1, precision 1/2, NDCG 1, AP 1.
        metrics.Users.Should().Be(2);
        metrics.Recall.Should().Be(1.0);
        metrics.Precision.Should().Be(0.5);
        metrics.Ndcg.Should().BeApproximately(((1 / Math.Log2(3)) + 1) / 2, 1e-12);
        metrics.Map.Should().BeApproximately(0.75, 1e-12);
        metrics.Coverage.Should().Be(0.5); // {1, 2} of 4 items
        asked.Select(a => a.User).Order().Should().Equal(0, 2);
        asked.Single(a => a.User == 0).Exclude.Should().Equal(0);
        metrics.Named("popularity.").Select(p => p.Key).Should().Equal(
            "popularity.recall@2", "popularity.precision@2", "popularity.ndcg@2", "popularity.map@2", "popularity.coverage@2");
    }

    [Fact]
    public void TimeSplitHoldsOutEachUsersLatestInteractionsDeterministically()
    {
        // u0: 10 events at t = 0…9 → last 2 to test; u1: 4 events (< 5) → train only;
        // u2: 5 events with equal times → ordered by item, last 1 to test.
        var events = new List<Interaction>();
        for (var t = 0; t < 10; t++)
        {
            events.Add(new Interaction(0, t, 1, 100 - (t * 10))); // item t at time 100 − 10t: item 0 is the latest
        }

        for (var t = 0; t < 4; t++)
        {
            events.Add(new Interaction(1, t, 1, t));
        }

        foreach (var item in new[] { 4, 2, 9, 1, 3 })
        {
            events.Add(new Interaction(2, item, 1, 50));
        }

        var split = AlsEvaluation.SplitByTime(events.ToArray(), 0.2, 5);
        split.Test.Where(x => x.User == 0).Select(x => x.Item).Should().Equal(1, 0);
        split.Test.Should().NotContain(x => x.User == 1);
        split.Test.Where(x => x.User == 2).Select(x => x.Item).Should().Equal(9);
        split.Train.Should().HaveCount(19 - 3);

        var shuffled = events.OrderBy(_ => Guid.NewGuid()).ToArray();
        var again = AlsEvaluation.SplitByTime(shuffled, 0.2, 5);
        again.Train.Should().Equal(split.Train);
        again.Test.Should().Equal(split.Test);
    }
}
