namespace Osr.Orleans.Models.Recommendation;

/// <summary>Shape of a synthetic interaction set (<see cref="SyntheticInteractions"/>).</summary>
public sealed record SyntheticOptions
{
    public int Users { get; init; } = 10_000;

    public int Items { get; init; } = 2_000;

    /// <summary>Number of events; each user gets distinct items, so this is also the number of stored pairs.</summary>
    public int Interactions { get; init; } = 200_000;

    /// <summary>Planted rank T (number of latent topics).</summary>
    public int Topics { get; init; } = 16;

    /// <summary>Topics each user likes (1 ≤ m ≤ T), with random weights.</summary>
    public int TopicsPerUser { get; init; } = 2;

    /// <summary>Share of a user's events drawn from their topics; the rest follows global popularity.</summary>
    public double TopicShare { get; init; } = 0.8;

    /// <summary>Zipf exponent s of item popularity π(rank r) ∝ r^−s.</summary>
    public double PopularityExponent { get; init; } = 1.0;

    /// <summary>σ of the log-normal spread of events per user.</summary>
    public double ActivitySpread { get; init; } = 1.0;

    public int Seed { get; init; } = 1;

    /// <summary>Events get uniform random times in [Start, Start + Span).</summary>
    public DateTimeOffset Start { get; init; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TimeSpan Span { get; init; } = TimeSpan.FromDays(90);
}

/// <summary>
/// A generated data set and its planted factors: user u's topic weights θ_u (users × T) and each
/// item's topic t(i) and popularity π_i.
/// </summary>
public sealed record SyntheticData(
    SyntheticOptions Options, Interaction[] Interactions, float[] UserTopics, int[] ItemTopic, double[] ItemPopularity)
{
    public InteractionMatrix ToMatrix() => InteractionMatrix.FromInteractions(Options.Users, Options.Items, Interactions);
}

/// <summary>
/// Implicit feedback with planted low-rank structure and power-law popularity. Items get a
/// random popularity rank r (π ∝ r^−s) and a random topic t(i) of T. User u gets m random topics
/// with weights θ_u (summing to 1) and n_u ∝ exp(σ·N(0,1)) events (at least 1, Σ n_u = the
/// requested total, n_u ≤ items/2). Each event picks, with probability TopicShare, a topic
/// t ~ θ_u and an item of topic t with probability ∝ π_i, else an item ∝ π_i overall; items a
/// user already has are redrawn (distinct pairs), weight 1, time uniform in the window. The
/// expected matrix E[W] = diag(n)·(share·Θ·Φ + (1 − share)·1πᵀ) has rank ≤ T + 1: Θ (users × T)
/// and Φ (T × items, φ_ti ∝ π_i·[t(i) = t]) are the planted factors. Deterministic for a seed.
/// </summary>
public static class SyntheticInteractions
{
    public static SyntheticData Generate(SyntheticOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var users = options.Users;
        var items = options.Items;
        var topics = options.Topics;
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(topics, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Interactions, users);
        if (options.TopicsPerUser < 1 || options.TopicsPerUser > topics)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "TopicsPerUser must be in [1, Topics].");
        }

        if ((long)options.Interactions > (long)users * (items / 2))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Too many interactions for distinct pairs (at most users × items/2).");
        }

        var rng = SplitMix64.ForStream(options.Seed, 100);

        // Items: popularity by a random permutation of Zipf ranks, and a topic each.
        var rankOf = Enumerable.Range(0, items).ToArray();
        for (var i = items - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (rankOf[i], rankOf[j]) = (rankOf[j], rankOf[i]);
        }

        var popularity = new double[items];
        var itemTopic = new int[items];
        for (var i = 0; i < items; i++)
        {
            popularity[i] = Math.Pow(rankOf[i] + 1, -options.PopularityExponent);
            itemTopic[i] = rng.NextInt(topics);
        }

        var global = new Sampler(Enumerable.Range(0, items).ToArray(), popularity);
        var byTopic = new Sampler[topics];
        for (var t = 0; t < topics; t++)
        {
            var members = Enumerable.Range(0, items).Where(i => itemTopic[i] == t).ToArray();
            byTopic[t] = members.Length > 0 ? new Sampler(members, popularity) : global;
        }

        // Users: topic weights and activity.
        var theta = new float[users * topics];
        var activity = new double[users];
        var totalActivity = 0.0;
        var chosen = new int[options.TopicsPerUser];
        for (var u = 0; u < users; u++)
        {
            var sum = 0.0;
            for (var m = 0; m < chosen.Length; m++)
            {
                int t;
                do
                {
                    t = rng.NextInt(topics);
                }
                while (chosen.AsSpan(0, m).Contains(t));

                chosen[m] = t;
                var weight = 0.2 + rng.NextDouble();
                theta[(u * topics) + t] = (float)weight;
                sum += weight;
            }

            for (var m = 0; m < chosen.Length; m++)
            {
                theta[(u * topics) + chosen[m]] /= (float)sum;
            }

            activity[u] = Math.Exp(options.ActivitySpread * rng.NextGaussian());
            totalActivity += activity[u];
        }

        var cap = items / 2;
        var counts = new int[users];
        var assigned = 0L;
        var extra = options.Interactions - users;
        for (var u = 0; u < users; u++)
        {
            counts[u] = Math.Min(cap, 1 + (int)Math.Floor(extra * activity[u] / totalActivity));
            assigned += counts[u];
        }

        for (var u = 0; assigned < options.Interactions; u = (u + 1) % users)
        {
            if (counts[u] < cap)
            {
                counts[u]++;
                assigned++;
            }
        }

        var interactions = new Interaction[options.Interactions];
        var seen = new HashSet<int>();
        var start = options.Start.ToUnixTimeMilliseconds();
        var span = (long)options.Span.TotalMilliseconds;
        var cumulative = new double[topics];
        var n = 0;
        for (var u = 0; u < users; u++)
        {
            seen.Clear();
            var acc = 0.0;
            for (var t = 0; t < topics; t++)
            {
                acc += theta[(u * topics) + t];
                cumulative[t] = acc;
            }

            for (var e = 0; e < counts[u]; e++)
            {
                int item;
                var attempts = 0;
                do
                {
                    if (++attempts > 64)
                    {
                        item = rng.NextInt(items); // topic and head exhausted for this user: any item
                    }
                    else if (rng.NextDouble() < options.TopicShare)
                    {
                        var t = Array.BinarySearch(cumulative, rng.NextDouble() * acc);
                        t = t < 0 ? Math.Min(~t, topics - 1) : t;
                        item = byTopic[t].Next(ref rng);
                    }
                    else
                    {
                        item = global.Next(ref rng);
                    }
                }
                while (!seen.Add(item));

                var time = start + (long)(rng.NextDouble() * span);
                interactions[n++] = new Interaction(u, item, 1f, time);
            }
        }

        return new SyntheticData(options, interactions, theta, itemTopic, popularity);
    }

    /// <summary>Draws members with probability ∝ weight (inverse CDF by binary search).</summary>
    private sealed class Sampler
    {
        private readonly int[] _members;
        private readonly double[] _cumulative;

        public Sampler(int[] members, double[] weights)
        {
            _members = members;
            _cumulative = new double[members.Length];
            var acc = 0.0;
            for (var m = 0; m < members.Length; m++)
            {
                acc += weights[members[m]];
                _cumulative[m] = acc;
            }
        }

        public int Next(ref SplitMix64 rng)
        {
            var target = rng.NextDouble() * _cumulative[^1];
            var m = Array.BinarySearch(_cumulative, target);
            m = m < 0 ? ~m : m;
            return _members[Math.Min(m, _members.Length - 1)];
        }
    }
}
