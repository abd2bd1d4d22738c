using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains;

/// <inheritdoc cref="IUserEraserGrain"/>
/// <remarks>
/// The order makes a retry after any failure finish the job: devices first (their sessions closed, so
/// no reading recreates the user while the rest goes), then the throttle's and the user's own grain
/// state (so no scoring pass still queued logs a decision after the logs are cleared; the device list
/// was read before), then the outbox entries of the user's notifications (found through the decision
/// log, so before it), the decision log and the interaction log, which a retry still finds.
/// Stats hold no user ids (their labels are models, segments and arms); models trained later read
/// the logs without the user.
/// </remarks>
public sealed partial class UserEraserGrain(
    IEventStore events,
    IDecisionLog decisions,
    IAuditLog log,
    Admin.AuditOutbox audit,
    IServiceProvider services,
    ILogger<UserEraserGrain> logger) : Grain, IUserEraserGrain
{
    public async ValueTask<UserErasure> ForgetAsync()
    {
        var userId = this.GetPrimaryKeyString();
        var user = GrainFactory.GetGrain<IUserStateGrain>(userId);
        var footprint = await user.GetFootprintAsync();

        var devices = 0;
        foreach (var deviceId in footprint.DeviceIds)
            if (await GrainFactory.GetGrain<IDeviceGrain>(deviceId).ForgetAsync(userId)) devices++;

        // The grains next, so that no scoring pass still queued can log a decision or an outbox entry after the logs are cleared.
        var states = 0;
        if (await GrainFactory.GetGrain<INotificationThrottleGrain>(userId).ForgetAsync()) states++;
        if (await user.ForgetAsync()) states++;

        var notificationIds = await decisions.ReadUserDecisionIdsAsync(userId);
        var outbox = services.GetService<IOutboxStore>() is { } store && notificationIds.Count > 0
            ? await store.ForgetNotificationsAsync(notificationIds)
            : 0;
        var logged = await decisions.ForgetUserAsync(userId);
        var interactions = await events.ForgetUserAsync(userId);

        var result = new UserErasure(userId, false, devices, states, interactions.Rows, logged.Rows, logged.Related, outbox, interactions.Related, 0);
        var known = footprint.Known || devices + states + result.Interactions + result.Decisions + result.Feedback + outbox + result.Segments > 0;
        // The audit trail keeps who did what when, not to whom (docs/decisions.md, "Audit trail"): the erasure's entry names
        // no one (counts only) and is appended in the transaction that redacts the user's entries.
        // A retry after a failure at this last step finds nothing else left: the entry still goes if the trail names the user.
        var record = audit.NewEntry(AuditActions.UsersForget, AuditRecords.ErasedTarget, null, null,
            AuditRecords.Erasure(devices, states, result.Interactions, result.Decisions, result.Feedback, outbox));
        var audited = await log.ForgetUserAsync(userId, record, recordOnlyIfNamed: !known);
        result = result with { Known = known || audited > 0, AuditEntries = audited };
        Log.Erased(logger, devices, states, result.Interactions, result.Decisions, result.Feedback, outbox);
        DeactivateOnIdle();
        return result;
    }

    private static partial class Log
    {
        // No user id here: the log line of an erasure must not keep what it erased.
        [LoggerMessage(EventId = 1150, Level = LogLevel.Information,
            Message = "A user was erased: {Devices} devices, {States} grain states, {Interactions} interactions, {Decisions} decisions, {Feedback} feedback, {Outbox} outbox entries")]
        public static partial void Erased(ILogger logger, int devices, int states, long interactions, long decisions, long feedback, long outbox);
    }
}
