using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Osr.Orleans.Models.Features;

namespace Osr.Orleans.UnitTests.Features;

public class ActivityTrackerStateSerializationTests
{
    [Fact]
    public void StateRoundTripsThroughTheOrleansSerializer()
    {
        using var services = new ServiceCollection()
            .AddSerializer(b => b.AddAssembly(typeof(ActivityTrackerState).Assembly))
            .BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var state = new ActivityTrackerState
        {
            Label = (byte)ActivityLabel.PostWorkout,
            LabelSinceUtcTicks = 638_000_000_000_000_000,
            PendingLabel = (byte)ActivityLabel.Rest,
            PendingSinceUtcTicks = 638_000_000_100_000_000,
            LastWorkoutEndUtcTicks = 637_999_999_000_000_000,
            LastUpdateUtcTicks = 638_000_000_150_000_000,
        };

        var copy = serializer.Deserialize<ActivityTrackerState>(serializer.SerializeToArray(state));

        copy.Should().Be(state).And.NotBeSameAs(state);
    }
}
