using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Retention;

namespace Osr.Orleans.Grains;

/// <summary>Model-version retention: the registry deletes what <see cref="ModelVersionRetention"/> plans, kind by kind.</summary>
public sealed partial class ModelRegistryGrain
{
    public async ValueTask<int> PruneVersionsAsync(int keep)
    {
        var deleted = 0;
        foreach (var kind in Kinds)
        {
            IEnumerable<StoredVersion> stored = kind == PropensityModels.Kind
                ? (await repository.ListPropensityAsync()).Select(m => new StoredVersion(m.Version, m.CreatedAt))
                : (await repository.ListAsync()).Where(m => m.Manifest.Kind == kind).Select(m => new StoredVersion(m.Manifest.Version, m.Manifest.CreatedAt));
            var pointer = _active[kind];
            var plan = ModelVersionRetention.Plan([.. stored], pointer.Active, pointer.History, keep);
            if (plan.Delete.Count == 0) continue;
            // The pointer first: from now on a roll-back cannot name a version that is about to go.
            if (plan.History.Length != pointer.History.Length)
            {
                _active[kind] = pointer with { History = plan.History };
                await repository.WriteActiveAsync(kind, _active[kind]);
            }
            foreach (var version in plan.Delete)
                if (await repository.DeleteAsync(kind, version)) deleted++;
            RetentionLog.VersionsDeleted(logger, kind, plan.Delete.Count, keep);
        }
        return deleted;
    }

    private static partial class RetentionLog
    {
        [LoggerMessage(EventId = 1154, Level = LogLevel.Information, Message = "Retention: deleted {Count} {Kind} model versions (keeping {Keep})")]
        public static partial void VersionsDeleted(ILogger logger, string kind, int count, int keep);
    }
}
