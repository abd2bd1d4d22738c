using Microsoft.Extensions.Logging;

namespace Osr.Orleans.Silo.Ingress;

internal static partial class IngressLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "MQTT broker listening on {Address}:{Port} (TLS port {TlsPort})")]
    public static partial void Listening(ILogger logger, string address, int port, string tlsPort);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "MQTT broker stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Refused CONNECT from {Endpoint} for device '{DeviceId}': {Reason}")]
    public static partial void ConnectRefused(ILogger logger, string? endpoint, string? deviceId, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Device {DeviceId} connected as client {ClientId} for user {UserId}")]
    public static partial void Connected(ILogger logger, string deviceId, string clientId, string userId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Refused subscription of device {DeviceId} to '{Topic}'")]
    public static partial void SubscriptionRefused(ILogger logger, string deviceId, string topic);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Ingest of a message from device {DeviceId} failed; it was not acknowledged as accepted")]
    public static partial void IngestFailed(ILogger logger, Exception exception, string deviceId);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Message from device {DeviceId} refused: {Reason}")]
    public static partial void MessageRefused(ILogger logger, string deviceId, string reason);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Could not publish to {Topic}")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Warning, Message = "Relaying {What} to silo {Silo} failed")]
    public static partial void RelayFailed(ILogger logger, Exception exception, string what, string silo);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Closed {Count} session(s) of device {DeviceId}: its credentials changed")]
    public static partial void SessionsClosed(ILogger logger, string deviceId, int count);
}
