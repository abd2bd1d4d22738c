using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// A device's message sent the way the ingress sends it, without MQTT: to the owner's grain, in one call
/// (<see cref="IUserStateGrain.IngestAsync"/>), the owner looked up as an external broker's consumer looks it up
/// (<see cref="IDeviceGrain.GetOwnerAsync"/>: an unregistered or revoked device has none and is refused).
/// </summary>
internal static class DeviceMessages
{
    public static async Task<IngestResult> IngestAsync(this IGrainFactory grains, IDeviceGrain device, Reading[] readings)
    {
        var owner = await device.GetOwnerAsync();
        return owner is null
            ? new IngestResult(0, 0, 0, RejectReason.UnknownDevice)
            : await grains.GetGrain<IUserStateGrain>(owner).IngestAsync(device.GetPrimaryKeyString(), readings);
    }
}
