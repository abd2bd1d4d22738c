using Microsoft.Extensions.Logging;

namespace Osr.Orleans.Grains.Logging;

internal static partial class DeviceLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Device {DeviceId} registered to user {UserId} as {Kind}")]
    public static partial void Registered(ILogger logger, string deviceId, string userId, string kind);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Device {DeviceId}: secret rotated, live sessions closed")]
    public static partial void Rotated(ILogger logger, string deviceId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Device {DeviceId} revoked, live sessions closed")]
    public static partial void Revoked(ILogger logger, string deviceId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Device {DeviceId} erased with its user, live sessions closed")]
    public static partial void Forgotten(ILogger logger, string deviceId);
}
