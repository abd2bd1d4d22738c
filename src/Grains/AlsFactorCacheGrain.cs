using Orleans.Concurrency;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IAlsFactorCacheGrain"/>
/// <remarks>
/// Candidate sources, in order: the user's trained factor (<c>als</c>); a factor folded in
/// from the user's own interactions for users the training did not see (<c>fold-in</c>);
/// the most popular items of the user's segment, then overall (<c>popular-segment</c>,
/// <c>popular</c>) for users without interactions. Items the user consumed are excluded.
/// Items added to the catalogue after the training have no factors and are not candidates
/// until the next training.
/// </remarks>
[StatelessWorker]
public sealed class AlsFactorCacheGrain(ModelRepository repository) : Grain, IAlsFactorCacheGrain
{
    private const int MaxCount = 500;
    private LoadedModel? _loaded;

    private string Version => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _loaded = await repository.LoadAsync(Version);

    public ValueTask<CandidateView[]> RecommendAsync(CandidateRequest request)
    {
        var loaded = _loaded!;
        var model = loaded.Model;
        var n = Math.Clamp(request.Count, 0, MaxCount);
        if (n == 0) return ValueTask.FromResult<CandidateView[]>([]);

        var exclude = new List<int>(request.ConsumedItems.Length);
        var foldItems = new List<int>(request.ConsumedItems.Length);
        var foldWeights = new List<float>(request.ConsumedItems.Length);
        for (var i = 0; i < request.ConsumedItems.Length; i++)
        {
            var index = model.Items.IndexOf(request.ConsumedItems[i]);
            if (index < 0) continue;
            exclude.Add(index);
            foldItems.Add(index);
            foldWeights.Add(i < request.ConsumedWeights.Length ? request.ConsumedWeights[i] : 1f);
        }

        var category = request.Category is null ? -1 : model.Categories.IndexOf(request.Category);
        if (request.Category is not null && category < 0) return ValueTask.FromResult<CandidateView[]>([]);

        var results = new ScoredItem[n];
        int count;
        string source;
        var user = model.Users.IndexOf(request.UserId);
        if (user >= 0 || foldItems.Count > 0)
        {
            ReadOnlySpan<float> factor;
            if (user >= 0)
            {
                factor = model.Factors.User(user);
                source = "als";
            }
            else
            {
                factor = loaded.FoldIn.Compute(
                    System.Runtime.InteropServices.CollectionsMarshal.AsSpan(foldItems),
                    System.Runtime.InteropServices.CollectionsMarshal.AsSpan(foldWeights));
                source = "fold-in";
            }
            var scores = new float[model.Items.Count];
            count = TopN.Select(model.Factors.ItemFactors, model.Factors.Rank, factor, results, scores,
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(exclude), model.ItemCategoryIndex, category);
        }
        else
        {
            (count, source) = Popular(loaded, request.Segment, results, exclude, category);
        }

        var views = new CandidateView[count];
        for (var i = 0; i < count; i++)
        {
            var item = results[i].Item;
            var factor = model.Factors.Item(item).ToArray();
            views[i] = new CandidateView(model.Items[item], model.ItemCategories[item], results[i].Score, source, Version, factor);
        }
        return ValueTask.FromResult(views);
    }

    private static (int Count, string Source) Popular(LoadedModel loaded, string? segment, ScoredItem[] results, List<int> exclude, int category)
    {
        var model = loaded.Model;
        var excluded = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(exclude);
        if (segment is not null && model.SegmentPopularity.TryGetValue(segment, out var ranked))
        {
            var count = 0;
            foreach (var item in ranked)
            {
                if (count == results.Length) break;
                if (excluded.Contains(item) || (category >= 0 && model.ItemCategoryIndex[item] != category)) continue;
                results[count++] = new ScoredItem(item, model.ItemPopularity[item]);
            }
            if (count > 0) return (count, "popular-segment");
        }
        return (loaded.Popularity.Recommend(results, excluded, -1, model.ItemCategoryIndex, category), "popular");
    }
}
