using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.IntegrationTests.ExternalMode;

/// <summary><c>Osr:Mqtt</c> in External mode: a bad value is refused with a message naming its key.</summary>
public sealed class ExternalModeOptionsTests
{
    private readonly MqttOptionsValidator _validator = new();

    private static MqttOptions External(params string[] brokers) =>
        new() { Mode = "External", Brokers = [.. brokers], Username = "osr-silo", Password = "pw" };

    [Fact]
    public void EmbeddedIsTheDefaultAndAValidExternalConfigurationIsAccepted()
    {
        new MqttOptions().ParsedMode.Should().Be(MqttMode.Embedded);
        _validator.Validate(null, new MqttOptions()).Succeeded.Should().BeTrue();

        var external = External("127.0.0.1:1883", "broker-2.example.com:8883", "[::1]:1884");
        _validator.Validate(null, external).Succeeded.Should().BeTrue();
        external.ParsedMode.Should().Be(MqttMode.External);
    }

    [Fact]
    public void AnUnknownModeIsRefused()
    {
        _validator.Validate(null, new MqttOptions { Mode = "Mosquitto" }).FailureMessage
            .Should().Contain("Osr:Mqtt:Mode must be Embedded or External, got 'Mosquitto'");
    }

    [Fact]
    public void ExternalModeNeedsBrokersAndTheSilosAccount()
    {
        var none = _validator.Validate(null, new MqttOptions { Mode = "External" }).FailureMessage;

        none.Should().Contain("Osr:Mqtt:Brokers").And.Contain("at least one broker");
        none.Should().Contain("Osr:Mqtt:Username and Osr:Mqtt:Password");
    }

    [Theory]
    [InlineData("localhost", "expected host:port")]
    [InlineData("localhost:", "expected host:port")]
    [InlineData("localhost:0", "1–65535")]
    [InlineData("localhost:70000", "1–65535")]
    [InlineData("localhost:x", "1–65535")]
    [InlineData("::1:1883", "brackets")]
    [InlineData("bad host:1883", "not a host name")]
    public void ABadBrokerAddressIsRefusedWithItsIndex(string broker, string why)
    {
        _validator.Validate(null, External("127.0.0.1:1883", broker)).FailureMessage
            .Should().Contain($"Osr:Mqtt:Brokers:1 '{broker}'").And.Contain(why);
    }
}
