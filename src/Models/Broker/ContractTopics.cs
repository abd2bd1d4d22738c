namespace Osr.Orleans.Models.Broker;

/// <summary>The MQTT topic names of docs/contract.md ("MQTT"), built in one place.</summary>
public static class ContractTopics
{
    public const string DevicePrefix = "osr/v1/devices/";
    public const string UserPrefix = "osr/v1/users/";

    public static string Readings(string deviceId) => DevicePrefix + deviceId + "/readings";
    public static string Events(string deviceId) => DevicePrefix + deviceId + "/events";
    public static string Errors(string deviceId) => DevicePrefix + deviceId + "/errors";
    public static string Notifications(string userId) => UserPrefix + userId + "/notifications";
}
