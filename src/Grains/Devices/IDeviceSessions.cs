namespace Osr.Orleans.Grains.Devices;

/// <summary>
/// The live MQTT sessions of devices, wherever they are connected, and the device accounts of a broker that
/// authenticates devices itself (external mode). Implemented by the silo (it owns the brokers); grains call it as a
/// local service when a device's credentials change.
/// </summary>
public interface IDeviceSessions
{
    /// <summary>Closes every session of <paramref name="deviceId"/> on every silo's broker; completes when each answered.</summary>
    Task DisconnectAsync(string deviceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Called before a new secret of <paramref name="deviceId"/> (owned by <paramref name="userId"/>) is stored: a broker
    /// that authenticates devices itself gets the account, with exactly the device's topics. Throws when the broker
    /// did not take it (then nothing is stored and the admin sees the error).
    /// </summary>
    Task SetCredentialsAsync(string deviceId, string userId, string secret, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Called after <paramref name="deviceId"/> was revoked: refused from now on, its sessions closed.</summary>
    Task RevokeAsync(string deviceId, CancellationToken cancellationToken = default) => DisconnectAsync(deviceId, cancellationToken);
}

/// <summary>No sessions to close (hosts without a broker, tests).</summary>
public sealed class NullDeviceSessions : IDeviceSessions
{
    public Task DisconnectAsync(string deviceId, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
