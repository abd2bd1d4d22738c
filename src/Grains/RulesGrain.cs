using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Admin;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Rules;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IRulesGrain"/>
/// <remarks>
/// The truth is the rule store (<see cref="IRuleStore"/>: every version kept, durable before a
/// change is acknowledged), so rules survive a restart of an embedded silo whose grain storage
/// is in memory. A change is validated whole by <see cref="RuleSet.TryApply"/>; a refused change
/// leaves the set untouched. An applied change is installed in this silo's cache at once and broadcast to the
/// others' (<see cref="RulesBroadcast"/>), and recorded in the audit trail with the new version.
/// </remarks>
public sealed partial class RulesGrain(IRuleStore store, RulesCache cache, RulesBroadcast broadcast, OsrClock clock, ILogger<RulesGrain> logger) : Grain, IRulesGrain
{
    private RuleSet _rules = RuleSet.Defaults;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _rules = await store.ReadLatestRulesAsync(cancellationToken) ?? RuleSet.Defaults;
        cache.Set(_rules);
    }

    public ValueTask<RuleSet> GetAsync() => ValueTask.FromResult(_rules);

    public ValueTask<long> GetVersionAsync() => ValueTask.FromResult(_rules.Version);

    public async ValueTask<RuleChangeResult> SetAsync(string key, RuleScope scope, string value)
    {
        if (key is null || value is null) return new(false, "a rule change needs a key and a value", _rules.Version);
        if (!_rules.TryApply(key, scope, value, clock.UtcNow, out var next, out var error))
        {
            Log.Refused(logger, key, scope.ToString(), error);
            return new(false, error, _rules.Version);
        }
        // The audit entry is stored in the change's own transaction (docs/decisions.md, "Audit trail").
        await store.SaveRulesAsync(next, RuleAudit.Change(_rules, next, key, scope, AdminCaller.Who(), next.ChangedAt));
        _rules = next;
        cache.Set(next);
        broadcast.Send(next);
        Log.Changed(logger, next.Version, key, scope.ToString(), value);
        return new(true, $"rules v{next.Version}: {key} = {value} ({scope})", next.Version);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Rules v{Version}: {Key} = {Value} ({Scope})")]
        public static partial void Changed(ILogger logger, long version, string key, string scope, string value);

        [LoggerMessage(EventId = 1602, Level = LogLevel.Information, Message = "Rule change refused: {Key} ({Scope}): {Error}")]
        public static partial void Refused(ILogger logger, string key, string scope, string error);
    }
}
