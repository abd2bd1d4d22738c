using Osr.Orleans.Silo.Ingress;

namespace Osr.Orleans.IntegrationTests.Silo;

public sealed class TopicsTests
{
    [Theory]
    [InlineData("osr/v1/devices/d1/readings", "Readings")]
    [InlineData("osr/v1/devices/d1/events", "Events")]
    [InlineData("osr/v1/devices/d1/errors", "Forbidden")]
    [InlineData("osr/v1/devices/d2/readings", "Forbidden")]
    [InlineData("osr/v1/devices/d1x/readings", "Forbidden")]
    [InlineData("osr/v1/devices/d/readings", "Forbidden")]
    [InlineData("osr/v1/devices/d1/readings/", "Forbidden")]
    [InlineData("osr/v1/devices/d1/readingsx", "Forbidden")]
    [InlineData("osr/v1/devices/d1", "Forbidden")]
    [InlineData("osr/v1/devices/d1/", "Forbidden")]
    [InlineData("osr/v2/devices/d1/readings", "Forbidden")]
    [InlineData("OSR/v1/devices/d1/readings", "Forbidden")]
    [InlineData("osr/v1/users/u1/notifications", "Forbidden")]
    [InlineData("", "Forbidden")]
    public void ADevicePublishesOnlyToItsOwnReadingsAndEventsTopics(string topic, string expected) =>
        Topics.ClassifyPublish(topic, "d1").ToString().Should().Be(expected);

    [Theory]
    [InlineData("osr/v1/users/u1/notifications", true)]
    [InlineData("osr/v1/devices/d1/errors", true)]
    [InlineData("osr/v1/users/u2/notifications", false)]
    [InlineData("osr/v1/devices/d2/errors", false)]
    [InlineData("osr/v1/users/+/notifications", false)]
    [InlineData("osr/v1/devices/d1/#", false)]
    [InlineData("osr/v1/devices/d1/readings", false)]
    [InlineData("#", false)]
    [InlineData("$SYS/#", false)]
    public void ADeviceSubscribesOnlyToItsOwnersNotificationsAndItsOwnErrors(string filter, bool allowed) =>
        Topics.MaySubscribe(filter, "d1", "u1").Should().Be(allowed);
}
