using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Models.Audit;

/// <summary>The audit entry of one rule change: the one key and scope changed, its value before and after (not the whole set).</summary>
public static class RuleAudit
{
    public static AuditEntry Change(RuleSet before, RuleSet after, string key, RuleScope scope, string who, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var shown = scope.ToString();
        return new AuditEntry(0, at, who, AuditActions.RulesSet, $"{key} ({shown}) v{after.Version}", scope.User,
            AuditRecords.Rule(key, shown, ValueOf(before, key, scope)), AuditRecords.Rule(key, shown, ValueOf(after, key, scope)));
    }

    /// <summary>The override of <paramref name="key"/> at exactly <paramref name="scope"/>; null when none (the default applies).</summary>
    private static string? ValueOf(RuleSet rules, string key, RuleScope scope)
    {
        foreach (var entry in rules.Entries)
            if (entry.Key == key && entry.Scope == scope) return entry.Value;
        return null;
    }
}
