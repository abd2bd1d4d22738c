using Microsoft.Extensions.Logging;

namespace Osr.Orleans.Grains.Logging;

internal static partial class DeviceLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Device {DeviceId} registered to user {UserId} as {Kind}")]
    public static partial void Registered(ILogger logger, string deviceId, string userId, string kind);
}
