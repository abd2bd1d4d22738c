namespace Osr.Orleans.Grains.Metrics;

/// <summary>How many user and device grains are active on this silo (a gauge for stats and benchmarks).</summary>
public sealed class ActivationCounter
{
    private int _users;
    private int _devices;

    public int Users => Volatile.Read(ref _users);
    public int Devices => Volatile.Read(ref _devices);

    internal void UserActivated() => Interlocked.Increment(ref _users);
    internal void UserDeactivated() => Interlocked.Decrement(ref _users);
    internal void DeviceActivated() => Interlocked.Increment(ref _devices);
    internal void DeviceDeactivated() => Interlocked.Decrement(ref _devices);
}
