using Microsoft.Extensions.Logging;

namespace Osr.Orleans.Silo.Ingress.Door;

internal static partial class DoorLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Connection from {Endpoint} refused at the door: {Reason}")]
    public static partial void Refused(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "TLS certificate loaded: {Subject} ({Thumbprint}), valid until {NotAfter:u}")]
    public static partial void CertificateReloaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Could not reload the TLS certificate from {Path}; the previous one stays in use")]
    public static partial void CertificateReloadFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "Connection from {Endpoint} ended before its CONNECT was complete")]
    public static partial void Dropped(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Connections refused at the door in the last minute: {Count} (last: {Reason} from {Endpoint})")]
    public static partial void RefusedSummary(ILogger logger, long count, string reason, string endpoint);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Error, Message = "Could not accept a connection on port {Port}")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, int port);
}
