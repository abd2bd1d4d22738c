namespace Osr.Orleans.Grains.Devices;

/// <summary>
/// The live MQTT sessions of devices, wherever they are connected. Implemented by the silo (it owns the brokers);
/// grains call it as a local service when a device's credentials change.
/// </summary>
public interface IDeviceSessions
{
    /// <summary>Closes every session of <paramref name="deviceId"/> on every silo's broker; completes when each answered.</summary>
    Task DisconnectAsync(string deviceId, CancellationToken cancellationToken = default);
}

/// <summary>No sessions to close (hosts without a broker, tests).</summary>
public sealed class NullDeviceSessions : IDeviceSessions
{
    public Task DisconnectAsync(string deviceId, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
