using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The admin's changes to one user (key = user id), each recorded in the audit trail: <c>osr-admin users import</c>
/// and <c>users forget</c>. Not used by the device path (docs/decisions.md, "The admin path and the device path").
/// </summary>
[Alias("osr.IUserAdminGrain")]
public interface IUserAdminGrain : IGrainWithStringKey
{
    /// <summary><see cref="IUserStateGrain.SetProfileAsync"/>, audited as <c>users.import</c>.</summary>
    [Alias("ImportProfile")]
    ValueTask ImportProfileAsync(UserProfile profile);

    /// <summary>
    /// <see cref="IUserEraserGrain.ForgetAsync"/> (which also redacts the user's audit entries), then audited as
    /// <c>users.forget</c> with counts only, no user id.
    /// </summary>
    [Alias("Forget")]
    ValueTask<UserErasure> ForgetAsync();
}
