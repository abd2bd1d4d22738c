using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Admin;

/// <summary>The admin on whose behalf the current grain call runs, as <c>osr-admin</c> named itself (<see cref="AdminIdentity"/>).</summary>
internal static class AdminCaller
{
    public static string Who() => AdminIdentity.FromClaim(RequestContext.Get(AdminIdentity.RequestKey));
}
