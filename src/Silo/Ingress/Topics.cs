using Osr.Orleans.Models.Broker;

namespace Osr.Orleans.Silo.Ingress;

public enum DeviceTopic
{
    /// <summary><c>osr/v1/devices/{self}/readings</c></summary>
    Readings,
    /// <summary><c>osr/v1/devices/{self}/events</c></summary>
    Events,
    /// <summary>Anything else: another device's topic, a system topic, garbage.</summary>
    Forbidden,
}

/// <summary>The topic names of docs/contract.md and the ACL that decides who may use which.</summary>
internal static class Topics
{
    private const string DevicePrefix = ContractTopics.DevicePrefix;

    public static string Readings(string deviceId) => ContractTopics.Readings(deviceId);
    public static string Events(string deviceId) => ContractTopics.Events(deviceId);
    public static string Errors(string deviceId) => ContractTopics.Errors(deviceId);
    public static string Notifications(string userId) => ContractTopics.Notifications(userId);

    /// <summary>Which of its own topics a device published to (allocation-free).</summary>
    public static DeviceTopic ClassifyPublish(ReadOnlySpan<char> topic, ReadOnlySpan<char> deviceId)
    {
        if (!topic.StartsWith(DevicePrefix, StringComparison.Ordinal)) return DeviceTopic.Forbidden;
        var rest = topic[DevicePrefix.Length..];
        if (!rest.StartsWith(deviceId, StringComparison.Ordinal) || rest.Length <= deviceId.Length || rest[deviceId.Length] != '/')
            return DeviceTopic.Forbidden;
        var leaf = rest[(deviceId.Length + 1)..];
        if (leaf.SequenceEqual("readings")) return DeviceTopic.Readings;
        if (leaf.SequenceEqual("events")) return DeviceTopic.Events;
        return DeviceTopic.Forbidden;
    }

    /// <summary>
    /// A device may subscribe to exactly its owner's notifications and its own errors topic,
    /// without wildcards.
    /// </summary>
    public static bool MaySubscribe(string topicFilter, string deviceId, string userId) =>
        string.Equals(topicFilter, Notifications(userId), StringComparison.Ordinal)
        || string.Equals(topicFilter, Errors(deviceId), StringComparison.Ordinal);
}
