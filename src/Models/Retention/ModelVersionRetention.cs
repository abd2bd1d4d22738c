namespace Osr.Orleans.Models.Retention;

/// <summary>One stored model version as the retention plan sees it.</summary>
public readonly record struct StoredVersion(string Version, DateTimeOffset CreatedAt);

/// <summary>What a retention run does to one model kind: the versions it deletes and the roll-back history that remains.</summary>
public sealed record ModelVersionPlan(IReadOnlyList<string> Delete, string[] History);

/// <summary>
/// Which model versions of one kind a retention run deletes when <c>Osr:Retention:ModelVersions</c> keeps
/// <c>keep</c> of them: the active version and the one a roll-back returns to are always kept; the rest of
/// the budget goes to the newest versions (by creation time, then name); everything else is deleted, and
/// deleted versions leave the roll-back history, so a roll-back never points at a version that is gone.
/// </summary>
public static class ModelVersionRetention
{
    /// <summary>The fewest versions a setting may keep: the active one and its roll-back target.</summary>
    public const int Fewest = 2;

    public static ModelVersionPlan Plan(IReadOnlyList<StoredVersion> stored, string? active, IReadOnlyList<string> history, int keep)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, Fewest);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        if (active is not null) kept.Add(active);
        if (history.Count > 0) kept.Add(history[^1]);
        foreach (var version in stored.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Version, StringComparer.Ordinal))
        {
            if (kept.Count >= keep) break;
            kept.Add(version.Version);
        }
        var delete = stored.Where(v => !kept.Contains(v.Version)).Select(v => v.Version).Distinct(StringComparer.Ordinal).ToArray();
        var gone = new HashSet<string>(delete, StringComparer.Ordinal);
        return new ModelVersionPlan(delete, [.. history.Where(v => !gone.Contains(v))]);
    }
}
