using MQTTnet.Protocol;

namespace Osr.Orleans.Silo.Ingress;

/// <summary>
/// How this silo reaches devices: the broker they are connected to. The embedded broker (<see cref="MqttIngress"/>)
/// reaches the devices connected to this silo only; an external broker (<see cref="ExternalBroker"/>) reaches every
/// device. Push delivery, the broker relay and the ingest pipeline's error messages go through it.
/// </summary>
public interface IDeviceChannel
{
    /// <summary>True when a publish here reaches every device wherever it is connected (an external broker).</summary>
    bool ReachesAllDevices { get; }

    /// <summary>Devices connected to this silo (0 when they connect to an external broker).</summary>
    int ConnectedDevices { get; }

    /// <summary>Null when the channel works; otherwise why not (for <c>/health/ready</c>).</summary>
    string? NotReadyReason { get; }

    /// <summary>Publishes a system message (errors, notifications) to subscribers of <paramref name="topic"/>; never throws but for cancellation.</summary>
    Task PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos, CancellationToken cancellationToken = default);

    /// <summary>Closes the sessions of <paramref name="clientId"/> this channel can close; returns how many.</summary>
    Task<int> DisconnectAsync(string clientId, CancellationToken cancellationToken = default);
}
