using Microsoft.Extensions.Logging;

namespace Osr.Orleans.Grains.Logging;

internal static partial class UserLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "User {UserId}: {From} → {To}")]
    public static partial void LabelChanged(ILogger logger, string userId, string from, string to);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "User {UserId}: {Action} {ItemId}")]
    public static partial void InteractionRecorded(ILogger logger, string userId, string itemId, string action);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "User {UserId}: no candidates from model {Version}")]
    public static partial void CandidatesFailed(ILogger logger, Exception exception, string userId, string version);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Debug, Message = "User {UserId}: a live-view update was not published")]
    public static partial void WatchPublishFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "User {UserId}: the throttle could not decide")]
    public static partial void DecisionFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "User {UserId}: propensity model {Version} failed; scored with the prior")]
    public static partial void PropensityFailed(ILogger logger, Exception exception, string userId, string version);
}
