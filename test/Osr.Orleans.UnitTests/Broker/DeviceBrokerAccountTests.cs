using Osr.Orleans.Models.Broker;

namespace Osr.Orleans.UnitTests.Broker;

public class DeviceBrokerAccountTests
{
    [Fact]
    public void APasswordIsStoredAsMosquittosDynamicSecurityPluginStoresIt()
    {
        // Written by Mosquitto 2.0.11 itself (mosquitto_ctrl dynsec createClient dev1 -p secret1) into its file.
        var salt = Convert.FromBase64String("xYMHriKRw+X36N9K");

        var hash = DeviceBrokerAccount.PasswordHash("secret1", salt, 101);

        hash.Should().Be("dQPHzRJuZKh3QU/ayENwXDFJds0nL16JOFKvxxBVMzHIimXIjhoCPgs0/HUMDD76j8VZ6gspf+y3+7/v35JcrA==");
        DeviceBrokerAccount.PasswordHash("secret2", salt, 101).Should().NotBe(hash);
        DeviceBrokerAccount.NewSalt().Should().HaveCount(salt.Length);
    }

    [Fact]
    public void TheRoleAllowsExactlyTheDevicesOwnTopicsAndItsOwnersNotifications()
    {
        var acls = DeviceBrokerAccount.Acls("d1", "u1");

        acls.Should().BeEquivalentTo(new BrokerAcl[]
        {
            new("publishClientSend", "osr/v1/devices/d1/readings"),
            new("publishClientSend", "osr/v1/devices/d1/events"),
            new("subscribeLiteral", "osr/v1/devices/d1/errors"),
            new("subscribeLiteral", "osr/v1/users/u1/notifications"),
            new("publishClientReceive", "osr/v1/devices/d1/errors"),
            new("publishClientReceive", "osr/v1/users/u1/notifications"),
        });
        acls.Should().OnlyContain(a => !a.Topic.Contains('+') && !a.Topic.Contains('#'));
        DeviceBrokerAccount.RoleName("d1").Should().Be("osr-device-d1");
        DeviceBrokerAccount.AclsJson("d1", "u1").Should().HaveCount(acls.Count)
            .And.OnlyContain(n => (bool)n!["allow"]! && (int)n["priority"]! == 0);
    }
}
