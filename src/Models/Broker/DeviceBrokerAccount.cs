using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Osr.Orleans.Models.Broker;

/// <summary>One rule of a broker role: an ACL type of Mosquitto's dynamic-security plugin and its topic.</summary>
public readonly record struct BrokerAcl(string Type, string Topic);

/// <summary>
/// A device's account in an external broker's dynamic-security plugin (Mosquitto 2), the same whether the silo creates it
/// through the plugin's control topic or the console writes it into the plugin's file (docs/operations.md, "External
/// broker"): username and client id = device id, one role per device that allows exactly the topics of docs/contract.md
/// for the device and its owner, and the password stored the way the plugin stores it (PBKDF2-HMAC-SHA512, 64 bytes,
/// a 12-byte salt, base64).
/// </summary>
public static class DeviceBrokerAccount
{
    /// <summary>The plugin's own iteration count for the passwords it stores.</summary>
    public const int PasswordIterations = 101;

    private const int HashBytes = 64;
    private const int SaltBytes = 12;

    public static string RoleName(string deviceId) => "osr-device-" + deviceId;

    /// <summary>The device's role: publish its readings and events, subscribe to and receive its errors and its owner's notifications.</summary>
    public static IReadOnlyList<BrokerAcl> Acls(string deviceId, string userId) =>
    [
        new("publishClientSend", ContractTopics.Readings(deviceId)),
        new("publishClientSend", ContractTopics.Events(deviceId)),
        new("subscribeLiteral", ContractTopics.Errors(deviceId)),
        new("subscribeLiteral", ContractTopics.Notifications(userId)),
        new("publishClientReceive", ContractTopics.Errors(deviceId)),
        new("publishClientReceive", ContractTopics.Notifications(userId)),
    ];

    /// <summary>The role's ACL list as the plugin writes it (in a control command and in its file): every rule allows, at priority 0.</summary>
    public static JsonArray AclsJson(string deviceId, string userId) =>
        [.. Acls(deviceId, userId).Select(a => (JsonNode)new JsonObject { ["acltype"] = a.Type, ["topic"] = a.Topic, ["priority"] = 0, ["allow"] = true })];

    /// <summary>A fresh random salt of the plugin's length.</summary>
    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltBytes);

    /// <summary>The stored form of <paramref name="secret"/>: base64 of PBKDF2-HMAC-SHA512 over its UTF-8 bytes.</summary>
    public static string PasswordHash(string secret, byte[] salt, int iterations = PasswordIterations)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        return Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, HashAlgorithmName.SHA512, HashBytes));
    }
}
