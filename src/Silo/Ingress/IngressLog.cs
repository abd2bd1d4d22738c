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

    [LoggerMessage(EventId = 2030, Level = LogLevel.Information, Message = "Connected to MQTT broker {Broker} as {ClientId} (session present: {SessionPresent})")]
    public static partial void BrokerConnected(ILogger logger, string broker, string clientId, bool sessionPresent);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Warning, Message = "MQTT broker {Broker} unreachable or refused the silo ({Reason}); retrying in {DelayMs} ms")]
    public static partial void BrokerUnavailable(ILogger logger, string broker, string reason, long delayMs);

    [LoggerMessage(EventId = 2032, Level = LogLevel.Warning, Message = "Dropped a message on '{Topic}' from broker {Broker}: not a device topic")]
    public static partial void NotADeviceTopic(ILogger logger, string topic, string broker);

    [LoggerMessage(EventId = 2033, Level = LogLevel.Information, Message = "Device {DeviceId}: broker account {Change} on {Broker}")]
    public static partial void BrokerAccount(ILogger logger, string deviceId, string change, string broker);
}
