using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Devices;
using Osr.Orleans.Models.Broker;

namespace Osr.Orleans.Silo.Ingress;

/// <summary>
/// External mode: every device is a client of the broker's dynamic-security plugin (Mosquitto 2,
/// <c>$CONTROL/dynamic-security/v1</c>), created when the device is registered, given a new password when its secret
/// is rotated, and disabled when it is revoked; the broker closes the device's live sessions in each case. The
/// device's role <c>osr-device-{id}</c> allows exactly the contract's topics (docs/contract.md "MQTT"): publishing
/// its <c>readings</c> and <c>events</c>, subscribing to its <c>errors</c> and its owner's <c>notifications</c>; the
/// client id must equal the username.
/// </summary>
public sealed class BrokerDeviceAccounts(ExternalBroker broker, ILogger<BrokerDeviceAccounts> logger) : IDeviceSessions
{
    /// <summary>How long a broker may take to answer one batch of dynamic-security commands.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    public async Task SetCredentialsAsync(string deviceId, string userId, string secret, CancellationToken cancellationToken = default)
    {
        // Deleting and creating again (one batch, applied in order) both closes any live session and resets the
        // role, whether or not the device existed; a missing client or role is the one error expected.
        JsonArray commands =
        [
            new JsonObject { ["command"] = "deleteClient", ["username"] = deviceId },
            new JsonObject { ["command"] = "deleteRole", ["rolename"] = DeviceBrokerAccount.RoleName(deviceId) },
            new JsonObject { ["command"] = "createRole", ["rolename"] = DeviceBrokerAccount.RoleName(deviceId), ["acls"] = DeviceBrokerAccount.AclsJson(deviceId, userId) },
            new JsonObject
            {
                ["command"] = "createClient", ["username"] = deviceId, ["password"] = secret, ["clientid"] = deviceId,
                ["roles"] = new JsonArray(new JsonObject { ["rolename"] = DeviceBrokerAccount.RoleName(deviceId) }),
            },
        ];
        await RunAsync(deviceId, commands, mustSucceedFrom: 2, "set", cancellationToken);
    }

    public async Task RevokeAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        JsonArray commands = [new JsonObject { ["command"] = "disableClient", ["username"] = deviceId }];
        await RunAsync(deviceId, commands, mustSucceedFrom: 1, "disabled", cancellationToken); // a device the broker never knew cannot connect anyway
    }

    /// <summary>Credentials changed through <see cref="SetCredentialsAsync"/> already closed the sessions.</summary>
    public Task DisconnectAsync(string deviceId, CancellationToken cancellationToken = default) => Task.CompletedTask;

    private async Task RunAsync(string deviceId, JsonArray commands, int mustSucceedFrom, string change, CancellationToken cancellationToken)
    {
        foreach (var (name, responses) in await broker.DynSecAsync(commands, CommandTimeout, cancellationToken))
        {
            for (var i = mustSucceedFrom; i < responses.Count; i++)
            {
                if (responses[i]?["error"]?.GetValue<string>() is { } error)
                    throw new InvalidOperationException($"MQTT broker {name} refused {responses[i]?["command"]} for device '{deviceId}': {error}");
            }
            IngressLog.BrokerAccount(logger, deviceId, change, name);
        }
    }
}
