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
        // u2: 5 events with equal times (one basket) → never split: training only.
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
        split.Test.Should().NotContain(x => x.User == 2);
        split.Train.Should().HaveCount(19 - 2);

        var shuffled = events.OrderBy(_ => Guid.NewGuid()).ToArray();
        var again = AlsEvaluation.SplitByTime(shuffled, 0.2, 5);
        again.Train.Should().Equal(split.Train);
        again.Test.Should().Equal(split.Test);
    }

    [Fact]
    public void PopularityBaselineEndToEndMatchesHandComputation()
    {
        // Independent computation by hand (split → training popularity → lists → metrics), items 0…5,
        // f = 0.2, at least 5 interactions, K = 2; (item, t) per user, all times distinct:
        // u0: (0,1) (1,2) (2,3) (0,4) (5,5)                  n = 5 → test (5,5); train {0,1,2}; R = {5}
        // u1: (0,1) (1,2) (4,3) (0,4) (1,5)                  test (1,5), bought before → R = ∅, not evaluated
        // u2: (0,1) (0,2) (1,3) (1,4) (3,5) (3,6) (0,7) (1,8) (5,9) (4,10)
        //                                                    n = 10 → test (5,9) (4,10); train {0,1,3}; R = {4,5}
        // u3: (0,1) (3,2) (4,3) (5,4)                        n = 4 < 5 → training only
        // Training popularity (distinct users): 0: 4, 1: 3, 3: 2, 4: 2, 2: 1, 5: 1
        // → ranking 0, 1, 3, 4, 2, 5 (ties by index).
        // u0: L = [3, 4] (0, 1, 2 excluded), no hit: recall 0, precision 0, NDCG 0, AP 0.
        // u2: L = [4, 2] (0, 1, 3 excluded), hit at rank 1 of |R| = 2: recall 1/2, precision 1/2,
        //     NDCG = 1 / (1 + 1/log₂3) = 1 / 1.630930 = 0.613147, AP = (1/2)·(1/1) = 1/2.
        // Means over 2 users: recall 0.25, precision 0.25, NDCG 0.306574, MAP 0.25;
        // coverage = |{2, 3, 4}| / 6 = 0.5.
        (int User, int Item, long T)[] events =
        [
            (0, 0, 1), (0, 1, 2), (0, 2, 3), (0, 0, 4), (0, 5, 5),
            (1, 0, 1), (1, 1, 2), (1, 4, 3), (1, 0, 4), (1, 1, 5),
            (2, 0, 1), (2, 0, 2), (2, 1, 3), (2, 1, 4), (2, 3, 5), (2, 3, 6), (2, 0, 7), (2, 1, 8), (2, 5, 9), (2, 4, 10),
            (3, 0, 1), (3, 3, 2), (3, 4, 3), (3, 5, 4),
        ];
        var split = AlsEvaluation.SplitByTime(events.Select(e => new Interaction(e.User, e.Item, 1, e.T)).ToArray(), 0.2, 5);
        var train = InteractionMatrix.FromInteractions(4, 6, split.Train);

        var m = AlsEvaluation.EvaluatePopularity(train, split.Test, k: 2);

        m.Users.Should().Be(2);
        m.Recall.Should().BeApproximately(0.25, 1e-12);
        m.Precision.Should().BeApproximately(0.25, 1e-12);
        m.Ndcg.Should().BeApproximately(0.306574, 1e-6);
        m.Map.Should().BeApproximately(0.25, 1e-12);
        m.Coverage.Should().Be(0.5);
    }

    [Fact]
    public void TimeSplitNeverCutsABasket()
    {
        // 2,000 users: basket A of 5 items at t = 0, basket B of 3 items at t = 1 (n = 8).
        // f = 0.2 asks for ⌊1.6⌋ = 1 line; the cut falls inside B, so all of B is held out and all
        // of A trains. Cutting inside a basket (by item index) held out the newest, least popular
        // products and made popularity look three times worse on Online Retail than it is; cutting
        // it in a random order let the basket's training half predict its test half
        // (docs/recommendation.md "Evaluation").
        var random = new Random(7);
        var events = new List<Interaction>();
        for (var u = 0; u < 2000; u++)
        {
            var items = Enumerable.Range(0, 1000).OrderBy(_ => random.Next()).Take(8).ToArray();
            events.AddRange(items[..5].Select(i => new Interaction(u, i, 1, 0)));
            events.AddRange(items[5..].Select(i => new Interaction(u, i, 1, 1)));
        }

        // One more user with a single basket of 6 lines: nothing can be held out without cutting it.
        events.AddRange(Enumerable.Range(0, 6).Select(i => new Interaction(2000, i, 1, 5)));

        var split = AlsEvaluation.SplitByTime(events.ToArray(), 0.2, 5);

        split.Test.Should().HaveCount(3 * 2000).And.OnlyContain(x => x.Timestamp == 1);
        split.Train.Should().HaveCount((5 * 2000) + 6).And.OnlyContain(x => x.Timestamp == 0 || x.User == 2000);
    }
}
