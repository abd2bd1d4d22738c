namespace Osr.Orleans.Models.Recommendation;

/// <summary>Interactions split into a training part and a held-out test part.</summary>
public sealed record TrainTestSplit(Interaction[] Train, Interaction[] Test);

/// <summary>
/// Writes up to destination.Length recommendations for <paramref name="user"/>, best first,
/// never one of <paramref name="exclude"/> (the user's training items, ascending); returns the count.
/// </summary>
public delegate int Recommender(int user, ReadOnlySpan<int> exclude, Span<ScoredItem> destination);

/// <summary>
/// Offline evaluation of top-K recommendation on a per-user time split. Definitions (K = 10
/// by default; L_u = the user's top-K list, items already in the user's training part excluded;
/// R_u = the distinct items of the user's test part that are not in their training part):
/// <list type="bullet">
/// <item>recall@K = |L_u ∩ R_u| / |R_u|;  precision@K = |L_u ∩ R_u| / K;</item>
/// <item>NDCG@K = DCG/IDCG, DCG = Σ_{j=1..K} rel_j / log₂(j + 1), IDCG = Σ_{j=1..min(K,|R_u|)} 1 / log₂(j + 1) (binary relevance);</item>
/// <item>MAP@K = mean of AP@K = (1 / min(K, |R_u|)) Σ_{j=1..K} rel_j · |L_u[1..j] ∩ R_u| / j;</item>
/// <item>coverage@K = |∪_u L_u| / items.</item>
/// </list>
/// Averages are over users with R_u ≠ ∅ (users whose test part holds only re-consumed items
/// cannot be scored under exclusion and are left out).
/// </summary>
public static class AlsEvaluation
{
    /// <summary>
    /// Per user, sorts their interactions by time and moves the last max(1, ⌊f·n_u⌋) to the test
    /// part (f = <paramref name="testFraction"/>), extended back to the start of the basket the cut
    /// falls in: interactions at the same instant (the lines of one basket) are never split, so
    /// neither part holds half of a basket (ordering a basket by item index held out exactly its
    /// newest, least popular products; a pseudo-random order let the training half of a basket
    /// predict its test half). Users with fewer than <paramref name="minInteractions"/>
    /// interactions, or whose interactions all share one instant, stay in the training part only.
    /// Deterministic: the result does not depend on the input order beyond exact duplicates.
    /// Both parts keep the users' interactions in time order (ties by <see cref="TieKey"/>).
    /// </summary>
    public static TrainTestSplit SplitByTime(ReadOnlySpan<Interaction> interactions, double testFraction = 0.2, int minInteractions = 5)
    {
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Test fraction must be in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(minInteractions, 2);
        var users = 0;
        foreach (var x in interactions)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(x.User, nameof(interactions));
            users = Math.Max(users, x.User + 1);
        }

        // Group by user (counting sort), then order each group by time.
        var start = new int[users + 1];
        foreach (var x in interactions)
        {
            start[x.User + 1]++;
        }

        for (var u = 0; u < users; u++)
        {
            start[u + 1] += start[u];
        }

        var grouped = new Interaction[interactions.Length];
        var next = start[..^1];
        foreach (var x in interactions)
        {
            grouped[next[x.User]++] = x;
        }

        var train = new List<Interaction>(interactions.Length);
        var test = new List<Interaction>(interactions.Length / 4);
        Comparison<Interaction> byTime = (a, b) =>
        {
            var c = a.Timestamp.CompareTo(b.Timestamp);
            if (c != 0)
            {
                return c;
            }

            // Within an instant the order only fixes the output order (baskets are never cut); not by
            // item index, which follows first appearance.
            c = TieKey(a.User, a.Item).CompareTo(TieKey(b.User, b.Item));
            if (c != 0)
            {
                return c;
            }

            c = a.Item.CompareTo(b.Item);
            return c != 0 ? c : a.Weight.CompareTo(b.Weight);
        };
        for (var u = 0; u < users; u++)
        {
            var span = grouped.AsSpan(start[u], start[u + 1] - start[u]);
            span.Sort(byTime);
            if (span.Length < minInteractions)
            {
                train.AddRange(span);
                continue;
            }

            // The cut never splits a basket (lines at the same instant): the basket at the cut goes
            // to the test part whole, and a user whose history is one instant stays in training.
            var cut = span.Length - Math.Max(1, (int)Math.Floor(testFraction * span.Length));
            var instant = span[cut].Timestamp;
            while (cut > 0 && span[cut - 1].Timestamp == instant)
            {
                cut--;
            }

            if (cut == 0)
            {
                train.AddRange(span);
                continue;
            }

            train.AddRange(span[..cut]);
            test.AddRange(span[cut..]);
        }

        return new TrainTestSplit([.. train], [.. test]);
    }

    /// <summary>
    /// Tie order of two interactions of <paramref name="user"/> at the same instant: the
    /// SplitMix64 finaliser of (user · 2³² + item), a bijection of the pair, so equal keys mean
    /// the same (user, item).
    /// </summary>
    public static ulong TieKey(int user, int item)
    {
        var z = ((ulong)(uint)user << 32) | (uint)item;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>R_u for every user of <paramref name="train"/>: distinct test items not in the user's training row, ascending.</summary>
    public static int[][] RelevantItems(InteractionMatrix train, ReadOnlySpan<Interaction> test)
    {
        ArgumentNullException.ThrowIfNull(train);
        var lists = new List<int>?[train.Rows];
        foreach (var x in test)
        {
            if ((uint)x.User >= (uint)train.Rows || (uint)x.Item >= (uint)train.Columns)
            {
                throw new ArgumentOutOfRangeException(nameof(test), $"Test interaction ({x.User}, {x.Item}) is outside the training matrix.");
            }

            if (train.RowIndices(x.User).BinarySearch(x.Item) < 0)
            {
                (lists[x.User] ??= []).Add(x.Item);
            }
        }

        var relevant = new int[train.Rows][];
        for (var u = 0; u < relevant.Length; u++)
        {
            if (lists[u] is { } list)
            {
                list.Sort();
                relevant[u] = [.. list.Distinct()];
            }
            else
            {
                relevant[u] = [];
            }
        }

        return relevant;
    }

    /// <summary>
    /// recall, precision, NDCG and AP at <paramref name="k"/> of one list <paramref name="recommended"/>
    /// (best first; only the first k count) against the relevant set <paramref name="relevant"/>
    /// (ascending, distinct, non-empty). Definitions on the class.
    /// </summary>
    public static (double Recall, double Precision, double Ndcg, double AveragePrecision) UserMetrics(
        ReadOnlySpan<int> recommended, ReadOnlySpan<int> relevant, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (relevant.IsEmpty)
        {
            throw new ArgumentException("The relevant set must not be empty.", nameof(relevant));
        }

        var hits = 0;
        var dcg = 0.0;
        var apSum = 0.0;
        var length = Math.Min(k, recommended.Length);
        for (var j = 0; j < length; j++)
        {
            if (relevant.BinarySearch(recommended[j]) >= 0)
            {
                hits++;
                dcg += 1.0 / Math.Log2(j + 2);
                apSum += (double)hits / (j + 1);
            }
        }

        var idcg = 0.0;
        var ideal = Math.Min(k, relevant.Length);
        for (var j = 0; j < ideal; j++)
        {
            idcg += 1.0 / Math.Log2(j + 2);
        }

        return ((double)hits / relevant.Length, (double)hits / k, dcg / idcg, apSum / ideal);
    }

    /// <summary>
    /// Evaluates a recommender: for every user with R_u ≠ ∅, asks for K items excluding the
    /// user's training items and averages the metrics. <paramref name="createRecommender"/> is
    /// called once per worker thread (so a recommender may own scratch buffers).
    /// Deterministic whatever the thread count.
    /// </summary>
    public static RankingMetrics Evaluate(
        InteractionMatrix train, ReadOnlySpan<Interaction> test, Func<Recommender> createRecommender, int k = 10, int maxDegreeOfParallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(createRecommender);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var relevant = RelevantItems(train, test);
        var users = train.Rows;
        var perUser = new double[users * 4];
        var lists = new int[users * k];
        lists.AsSpan().Fill(-1);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount };
        const int Block = 64;
        Parallel.For(
            0,
            (users + Block - 1) / Block,
            parallel,
            () => (Recommend: createRecommender(), Buffer: new ScoredItem[k], Items: new int[k]),
            (block, _, local) =>
            {
                for (var u = block * Block; u < Math.Min(users, (block + 1) * Block); u++)
                {
                    if (relevant[u].Length == 0)
                    {
                        continue;
                    }

                    var count = local.Recommend(u, train.RowIndices(u), local.Buffer);
                    for (var j = 0; j < count; j++)
                    {
                        local.Items[j] = local.Buffer[j].Item;
                        lists[(u * k) + j] = local.Buffer[j].Item;
                    }

                    var m = UserMetrics(local.Items.AsSpan(0, count), relevant[u], k);
                    perUser[u * 4] = m.Recall;
                    perUser[(u * 4) + 1] = m.Precision;
                    perUser[(u * 4) + 2] = m.Ndcg;
                    perUser[(u * 4) + 3] = m.AveragePrecision;
                }

                return local;
            },
            _ => { });

        var evaluated = 0;
        double recall = 0, precision = 0, ndcg = 0, map = 0;
        var covered = new bool[train.Columns];
        for (var u = 0; u < users; u++)
        {
            if (relevant[u].Length == 0)
            {
                continue;
            }

            evaluated++;
            recall += perUser[u * 4];
            precision += perUser[(u * 4) + 1];
            ndcg += perUser[(u * 4) + 2];
            map += perUser[(u * 4) + 3];
            foreach (var item in lists.AsSpan(u * k, k))
            {
                if (item >= 0)
                {
                    covered[item] = true;
                }
            }
        }

        var coverage = train.Columns == 0 ? 0 : (double)covered.Count(c => c) / train.Columns;
        return evaluated == 0
            ? new RankingMetrics(k, 0, 0, 0, 0, 0, coverage)
            : new RankingMetrics(k, evaluated, recall / evaluated, precision / evaluated, ndcg / evaluated, map / evaluated, coverage);
    }

    /// <summary>ALS: L_u = top-K of Y·x_u (<see cref="TopN"/>).</summary>
    public static RankingMetrics EvaluateAls(
        InteractionMatrix train, ReadOnlySpan<Interaction> test, AlsFactors factors, int k = 10, int maxDegreeOfParallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(factors);
        if (factors.Users != train.Rows || factors.Items != train.Columns)
        {
            throw new ArgumentException("Factors do not match the training matrix.", nameof(factors));
        }

        var index = ItemFactorIndex.Create(factors.ItemFactors, factors.Rank);
        return Evaluate(train, test, () =>
        {
            var scores = new float[factors.Items];
            return (user, exclude, destination) => TopN.Select(index, factors.User(user), destination, scores, exclude);
        }, k, maxDegreeOfParallelism);
    }

    /// <summary>Popularity baseline: L_u = the K items with most distinct training users, minus the user's own.</summary>
    public static RankingMetrics EvaluatePopularity(InteractionMatrix train, ReadOnlySpan<Interaction> test, int k = 10, int maxDegreeOfParallelism = 0)
    {
        var popularity = PopularityRanking.FromMatrix(train);
        return Evaluate(train, test, () => (user, exclude, destination) => popularity.Recommend(destination, exclude), k, maxDegreeOfParallelism);
    }
}
