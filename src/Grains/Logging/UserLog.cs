using Microsoft.Extensions.Logging;

namespace Osr.Orleans.Grains.Logging;

internal static partial class UserLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "User {UserId}: {From} → {To}")]
    public static partial void LabelChanged(ILogger logger, string userId, string from, string to);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "User {UserId}: {Action} {ItemId}")]
    public static partial void InteractionRecorded(ILogger logger, string userId, string itemId, string action);
}
