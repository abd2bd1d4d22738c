using System.Collections.Concurrent;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Silo.Ingress;

/// <summary>
/// Whose grain a device's messages go to when no login session says so (external broker mode: the broker authenticated
/// the device): the owner is asked of the device's grain once per device and silo (<see cref="IDeviceGrain.GetOwnerAsync"/>)
/// and kept, so a message costs one grain call, to the owner. An owner that no longer knows the device (it was forgotten
/// and registered to someone else) makes the <see cref="IngestPipeline"/> ask again (<see cref="RefreshAsync"/>).
/// Bounded: past <see cref="Capacity"/> devices the cache starts over.
/// </summary>
public sealed class DeviceOwners(IGrainFactory grains)
{
    /// <summary>Devices remembered per silo before the cache is cleared and filled again as messages arrive.</summary>
    public const int Capacity = 1_000_000;

    private readonly ConcurrentDictionary<string, Entry> _owners = new(StringComparer.Ordinal);

    /// <summary>The cached owner of <paramref name="deviceId"/>, looked up without allocating a string.</summary>
    public bool TryGet(ReadOnlySpan<char> deviceId, out string id, out IUserStateGrain owner)
    {
        if (_owners.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(deviceId, out var actual, out var entry))
        {
            id = actual;
            owner = entry.Owner;
            return true;
        }
        id = "";
        owner = null!;
        return false;
    }

    /// <summary>Asks the device's grain who owns it now and remembers the answer; null (and nothing cached) when it is unregistered or revoked.</summary>
    public async ValueTask<IUserStateGrain?> RefreshAsync(string deviceId)
    {
        var userId = await grains.GetGrain<IDeviceGrain>(deviceId).GetOwnerAsync();
        if (userId is null)
        {
            _owners.TryRemove(deviceId, out _);
            return null;
        }
        if (_owners.TryGetValue(deviceId, out var known) && known.UserId == userId) return known.Owner;
        if (_owners.Count >= Capacity) _owners.Clear();
        var owner = grains.GetGrain<IUserStateGrain>(userId);
        _owners[deviceId] = new Entry(userId, owner);
        return owner;
    }

    private sealed record Entry(string UserId, IUserStateGrain Owner);
}
