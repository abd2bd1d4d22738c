using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Grains.Admin;

/// <inheritdoc cref="IUserAdminGrain"/>
/// <remarks>
/// An import's entry records the profile set, not the one replaced: reading that would cost a full snapshot of every
/// imported user (docs/decisions.md, "Audit trail").
/// </remarks>
public sealed class UserAdminGrain(IAuditLog audit, OsrClock clock) : Grain, IUserAdminGrain
{
    private string UserId => this.GetPrimaryKeyString();

    public async ValueTask ImportProfileAsync(UserProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        await GrainFactory.GetGrain<IUserStateGrain>(UserId).SetProfileAsync(profile);
        await audit.AppendAsync(new AuditEntry(0, clock.UtcNow, AdminCaller.Who(), AuditActions.UsersImport, UserId, UserId,
            null, AuditRecords.Profile(profile.Age, profile.TimeZoneId, profile.Segment)));
    }

    public async ValueTask<UserErasure> ForgetAsync()
    {
        var erased = await GrainFactory.GetGrain<IUserEraserGrain>(UserId).ForgetAsync();
        if (erased.Known)
        {
            // No user id anywhere in this entry: it would keep what was just erased.
            await audit.AppendAsync(new AuditEntry(0, clock.UtcNow, AdminCaller.Who(), AuditActions.UsersForget, AuditRecords.ErasedTarget, null,
                null, AuditRecords.Erasure(erased.Devices, erased.GrainStates, erased.Interactions, erased.Decisions, erased.Feedback, erased.OutboxEntries)));
        }
        DeactivateOnIdle();
        return erased;
    }
}
