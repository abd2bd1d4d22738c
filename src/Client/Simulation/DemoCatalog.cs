using System.Globalization;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// The demo catalogue a simulation brings to an empty cluster, so that a fresh silo shows candidates and pushes:
/// <see cref="ItemsPerCategory"/> items per category of the <see cref="World"/> (ids <c>drinks-03</c>; kind product,
/// program or post as fits the category) and a synthetic past of 20–40 interactions per simulated user in the
/// <see cref="HistoryDays"/> days before the simulation starts. The past is segment-flavoured so ALS has structure to
/// learn: a user picks a category with a weight that depends on their segment (runners favour drinks and programs,
/// yoga people stretching and posts, …), then an item of it with a Zipf weight 1/(1 + r) over a per-segment ranking r
/// of the category's items, their own favourite item of the category counting three times. Everything is a pure
/// function of the categories, the seed, the users and the start.
/// </summary>
public static class DemoCatalog
{
    public const int ItemsPerCategory = 10;

    /// <summary>Days of synthetic history before the start.</summary>
    public const int HistoryDays = 28;

    public const int MinInteractionsPerUser = 20;
    public const int MaxInteractionsPerUser = 40;

    /// <summary>Users beyond this many get no synthetic history (they are cold-start users for ALS).</summary>
    public const int MaxUsersWithHistory = 10_000;

    /// <summary>Interactions per <see cref="ICatalogGrain.ImportInteractionsAsync"/> call (each call is one transaction).</summary>
    public const int ImportChunk = 50_000;

    /// <summary>The newest synthetic interaction is at least this long before the start.</summary>
    public static readonly TimeSpan HistoryGap = TimeSpan.FromHours(1);

    private const ulong Salt = 0xCA7A_1061_0E5EUL;

    /// <summary>Segment × category preference (unlisted pairs get a weight in [0.5, 2.5) from a hash).</summary>
    private static readonly Dictionary<(string Segment, string Category), double> Preference = new()
    {
        [("running", "drinks")] = 3, [("running", "programs")] = 3, [("running", "gear")] = 2, [("running", "stretching")] = 1.5, [("running", "recipes")] = 1, [("running", "posts")] = 1,
        [("cycling", "gear")] = 3, [("cycling", "drinks")] = 3, [("cycling", "programs")] = 1.5, [("cycling", "recipes")] = 1, [("cycling", "stretching")] = 1, [("cycling", "posts")] = 1,
        [("powerlifting", "recipes")] = 3, [("powerlifting", "programs")] = 3, [("powerlifting", "drinks")] = 2, [("powerlifting", "gear")] = 1.5, [("powerlifting", "posts")] = 1, [("powerlifting", "stretching")] = 0.5,
        [("yoga", "stretching")] = 4, [("yoga", "posts")] = 2.5, [("yoga", "recipes")] = 2, [("yoga", "programs")] = 1, [("yoga", "drinks")] = 0.5, [("yoga", "gear")] = 0.5,
        [("team-sports", "drinks")] = 3, [("team-sports", "gear")] = 2, [("team-sports", "programs")] = 2, [("team-sports", "posts")] = 1.5, [("team-sports", "stretching")] = 1, [("team-sports", "recipes")] = 1,
        [("casual", "posts")] = 3, [("casual", "recipes")] = 2.5, [("casual", "stretching")] = 1.5, [("casual", "drinks")] = 1, [("casual", "programs")] = 1, [("casual", "gear")] = 0.5,
    };

    /// <summary>The kind of the items of a category.</summary>
    public static ItemKind KindOf(string category) => category switch
    {
        "drinks" or "gear" or "supplements" or "products" => ItemKind.Product,
        "stretching" or "programs" or "workouts" or "training" => ItemKind.Program,
        "recipes" or "posts" or "articles" => ItemKind.Post,
        "users" or "people" or "coaches" => ItemKind.User,
        _ => ItemKind.Product,
    };

    /// <summary>The id prefix of a category's items: the category lower-cased, characters not allowed in ids replaced by '-'.</summary>
    public static string IdPrefix(string category)
    {
        var chars = category.Trim().ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-' ? c : '-').ToArray();
        var prefix = new string(chars);
        return prefix.Length is 0 ? "item" : prefix.Length > Ids.MaxLength - 3 ? prefix[..(Ids.MaxLength - 3)] : prefix;
    }

    /// <summary><see cref="ItemsPerCategory"/> items per category, ids <c>{category}-01</c> … <c>{category}-10</c>.</summary>
    public static ItemRecord[] Items(IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var items = new List<ItemRecord>(categories.Count * ItemsPerCategory);
        foreach (var category in categories.Distinct(StringComparer.Ordinal))
        {
            var prefix = IdPrefix(category);
            var kind = KindOf(category);
            for (var i = 1; i <= ItemsPerCategory; i++)
            {
                var tier = i <= 3 ? "classic" : i <= 7 ? "popular" : "new";
                items.Add(new ItemRecord($"{prefix}-{i.ToString("D2", CultureInfo.InvariantCulture)}", kind, category, [IdPrefix(category), kind.Name(), tier, "demo"]));
            }
        }

        return [.. items];
    }

    /// <summary>
    /// The synthetic past of the first <see cref="MaxUsersWithHistory"/> <paramref name="users"/>: 20–40 interactions each, at
    /// whole seconds in [start − <see cref="HistoryDays"/> d, start − <see cref="HistoryGap"/>), oldest first per user.
    /// </summary>
    public static InteractionRecord[] Interactions(IReadOnlyList<SimUser> users, IReadOnlyList<ItemRecord> items, ulong seed, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) return [];

        var from = start - TimeSpan.FromDays(HistoryDays);
        var span = (start - HistoryGap - from).TotalSeconds;
        var result = new List<InteractionRecord>();
        var weights = new double[items.Count];
        var buffer = new List<InteractionRecord>(MaxInteractionsPerUser);
        foreach (var user in users.Take(MaxUsersWithHistory))
        {
            var h = SimRandom.Hash(seed ^ Salt, (ulong)user.Index);
            var total = 0.0;
            for (var i = 0; i < items.Count; i++)
            {
                total += weights[i] = Weight(user, items[i], h);
            }

            var count = MinInteractionsPerUser + SimRandom.Index(h, 0, MaxInteractionsPerUser - MinInteractionsPerUser + 1);
            buffer.Clear();
            for (var k = 0; k < count; k++)
            {
                var hk = SimRandom.Hash(h, (ulong)k + 1);
                var item = items[Pick(weights, total, SimRandom.Uniform(hk, 0))];
                var seconds = Math.Floor(SimRandom.Uniform(hk, 1) * span);
                var ts = from.AddSeconds(seconds);
                buffer.Add(new InteractionRecord(user.UserId, item.ItemId, Action(item.Kind, SimRandom.Uniform(hk, 2)), ts.UtcTicks));
            }

            buffer.Sort((a, b) => a.TimestampUtcTicks.CompareTo(b.TimestampUtcTicks));
            result.AddRange(buffer);
        }

        return [.. result];
    }

    /// <summary>How much <paramref name="user"/> likes <paramref name="item"/> (before normalisation).</summary>
    internal static double Weight(SimUser user, ItemRecord item, ulong userHash)
    {
        var segment = user.Traits.Segment;
        var category = Preference.TryGetValue((segment, item.Category), out var w)
            ? w
            : 0.5 + 2 * SimRandom.Uniform(SimRandom.Hash(StableHash(segment), StableHash(item.Category)));

        // Rank of the item within its category for this segment (0 = the segment's favourite).
        var index = ItemIndex(item.ItemId);
        var mine = SimRandom.Uniform(SimRandom.Hash(StableHash(segment), StableHash(item.ItemId)));
        var rank = 0;
        var prefix = item.ItemId[..item.ItemId.LastIndexOf('-')];
        for (var j = 1; j <= ItemsPerCategory; j++)
        {
            if (j == index) continue;
            var other = SimRandom.Uniform(SimRandom.Hash(StableHash(segment), StableHash($"{prefix}-{j.ToString("D2", CultureInfo.InvariantCulture)}")));
            if (other > mine) rank++;
        }

        var favourite = (1 + SimRandom.Index(SimRandom.Hash(userHash, StableHash(item.Category)), 3, ItemsPerCategory)) == index ? 3 : 1;
        return category * favourite / (1.0 + rank);
    }

    private static int ItemIndex(string itemId)
    {
        var dash = itemId.LastIndexOf('-');
        return dash >= 0 && int.TryParse(itemId.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0;
    }

    private static int Pick(double[] weights, double total, double u)
    {
        var target = u * total;
        for (var i = 0; i < weights.Length; i++)
        {
            target -= weights[i];
            if (target < 0) return i;
        }

        return weights.Length - 1;
    }

    private static InteractionAction Action(ItemKind kind, double u) => kind switch
    {
        ItemKind.Product => u < 0.55 ? InteractionAction.View : u < 0.70 ? InteractionAction.Like : InteractionAction.Purchase,
        ItemKind.Program => u < 0.45 ? InteractionAction.View : u < 0.65 ? InteractionAction.Like : InteractionAction.Train,
        ItemKind.User => u < 0.5 ? InteractionAction.View : InteractionAction.Follow,
        _ => u < 0.6 ? InteractionAction.View : InteractionAction.Like,
    };

    /// <summary>FNV-1a over the UTF-16 code units: a string hash that is the same in every process (unlike <see cref="string.GetHashCode()"/>).</summary>
    public static ulong StableHash(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return h;
    }

    /// <summary>
    /// Brings the demo catalogue to the cluster when it has no items, then, when no ALS model is active, trains one
    /// (promote if better) and follows the job, progress on <paramref name="log"/>. A failed training is reported and
    /// the simulation goes on (the recommender then has no candidates).
    /// </summary>
    public static async Task EnsureAsync(
        IGrainFactory grains, World world, IReadOnlyList<SimUser> users, ulong seed, DateTimeOffset start,
        TextWriter log, TimeProvider time, TimeSpan pollInterval, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(world);
        var catalog = grains.GetGrain<ICatalogGrain>(GrainKeys.Global);
        var counts = await catalog.GetCountsAsync().ConfigureAwait(false);
        if (counts.Items == 0)
        {
            var items = Items(world.Categories);
            var interactions = Interactions(users, items, seed, start);
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"the catalogue is empty: importing the demo catalogue ({items.Length} items in {world.Categories.Count} categories) and {interactions.Length:N0} synthetic interactions of {Math.Min(users.Count, MaxUsersWithHistory):N0} users before {start:yyyy-MM-dd HH:mm}Z…")).ConfigureAwait(false);
            await catalog.ImportItemsAsync(items).ConfigureAwait(false);
            for (var i = 0; i < interactions.Length; i += ImportChunk)
            {
                ct.ThrowIfCancellationRequested();
                await catalog.ImportInteractionsAsync(interactions[i..Math.Min(interactions.Length, i + ImportChunk)]).ConfigureAwait(false);
            }
        }
        else
        {
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"the catalogue has {counts.Items:N0} items and {counts.Interactions:N0} interactions: not importing the demo catalogue")).ConfigureAwait(false);
        }

        var registry = grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        if (await registry.GetActiveAsync(AlsKind).ConfigureAwait(false) is { } active)
        {
            await log.WriteLineAsync($"ALS model {active} is active").ConfigureAwait(false);
            return;
        }

        var job = await registry.StartTrainingAsync(AlsKind, promoteIfBetter: true).ConfigureAwait(false);
        await log.WriteLineAsync($"no ALS model is active: training one (job {job.JobId}, promote if better)…").ConfigureAwait(false);
        var shown = (job.Iteration, job.Message);
        var started = time.GetTimestamp();
        while (job.State == TrainingState.Running)
        {
            await Task.Delay(pollInterval, time, ct).ConfigureAwait(false);
            job = await registry.GetJobAsync(job.JobId).ConfigureAwait(false)
                ?? throw new Cli.CliFailureException($"the registry no longer knows training job {job.JobId} (did the silo restart?)");
            if (job.State == TrainingState.Running && (job.Iteration, job.Message) != shown)
            {
                shown = (job.Iteration, job.Message);
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  [{time.GetElapsedTime(started).TotalSeconds,4:0}s] {DisplayFormat.Progress(job)}")).ConfigureAwait(false);
            }
        }

        if (job.State == TrainingState.Succeeded)
        {
            var outcome = job.Promoted ? "promoted" : "not promoted: " + job.Message;
            await log.WriteLineAsync($"ALS model {job.Version} trained ({outcome})").ConfigureAwait(false);
        }
        else
        {
            await log.WriteLineAsync($"warning: ALS training failed ({job.Message}); the simulation runs without candidates").ConfigureAwait(false);
        }
    }

    private const string AlsKind = "als";
}
