using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Retention;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IRetentionGrain"/>
public sealed partial class RetentionGrain(
    IOptions<RetentionOptions> options,
    IEventStore events,
    IDecisionLog decisions,
    IReminderTable reminders,
    OsrClock clock,
    ILogger<RetentionGrain> logger) : Grain, IRetentionGrain, IRemindable
{
    private const string Reminder = "retention";
    private readonly RetentionOptions _options = options.Value;

    public async ValueTask<bool> EnsureScheduledAsync()
    {
        var stored = await reminders.ReadRow(this.GetGrainId(), Reminder);
        if (!_options.IsOn)
        {
            if (stored is not null && await this.GetReminder(Reminder) is { } reminder) await this.UnregisterReminder(reminder);
            return false;
        }
        // Kept across restarts (like the retraining reminder): re-registering on every start would push the next run away.
        if (stored is null || stored.Period != _options.Every) await this.RegisterOrUpdateReminder(Reminder, _options.Every, _options.Every);
        return true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == Reminder) await RunAsync();
    }

    public async ValueTask<RetentionRun> RunAsync()
    {
        var now = clock.UtcNow;
        var cutoffs = RetentionPolicy.Cutoffs(now, _options.Interactions, _options.Decisions, _options.Feedback);
        var interactions = cutoffs.InteractionsUtcTicks == long.MinValue ? 0 : await events.PruneInteractionsAsync(cutoffs.InteractionsUtcTicks);
        var logged = cutoffs.DecisionsUtcTicks == long.MinValue && cutoffs.FeedbackUtcTicks == long.MinValue
            ? default
            : await decisions.PruneAsync(cutoffs.DecisionsUtcTicks, cutoffs.FeedbackUtcTicks);
        var versions = _options.ModelVersions is { } keep
            ? await GrainFactory.GetGrain<IModelRegistryGrain>(GrainKeys.Global).PruneVersionsAsync(keep)
            : 0;
        Log.Pruned(logger, interactions, logged.Rows, logged.Related, versions);
        return new RetentionRun(now, interactions, logged.Rows, logged.Related, versions);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1151, Level = LogLevel.Information,
            Message = "Retention: deleted {Interactions} interactions, {Decisions} decisions, {Feedback} feedback, {ModelVersions} model versions")]
        public static partial void Pruned(ILogger logger, long interactions, long decisions, long feedback, int modelVersions);
    }
}
