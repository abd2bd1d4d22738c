using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Grains.Admin;

/// <inheritdoc cref="IUserAdminGrain"/>
/// <remarks>
/// The owning grains record the change with it (docs/decisions.md, "Audit trail"): the user's state grain stores an
/// import's entry with the profile, the eraser appends the erasure's entry in the transaction that redacts the user's
/// entries. This grain is the admin path's door to them, the interface the device path never reaches.
/// </remarks>
public sealed class UserAdminGrain : Grain, IUserAdminGrain
{
    private string UserId => this.GetPrimaryKeyString();

    public async ValueTask ImportProfileAsync(UserProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        await GrainFactory.GetGrain<IUserStateGrain>(UserId).SetProfileAsync(profile);
    }

    public async ValueTask<UserErasure> ForgetAsync()
    {
        var erased = await GrainFactory.GetGrain<IUserEraserGrain>(UserId).ForgetAsync();
        DeactivateOnIdle();
        return erased;
    }
}
