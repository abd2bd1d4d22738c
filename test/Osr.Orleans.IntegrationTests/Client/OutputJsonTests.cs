using System.Text.Json;
using Osr.Orleans.Client.Commands;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.IntegrationTests.Client;

public class OutputJsonTests
{
    private static JsonElement Parse<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        JsonDocument.Parse(JsonSerializer.Serialize(value, info)).RootElement;

    [Fact]
    public void StatsJsonHasTheContractShape()
    {
        var counters = new Dictionary<string, long>
        {
            [CounterNames.ReadingsAccepted] = 1000,
            [CounterNames.ReadingsDuplicate] = 3,
            ["readings.rejected.too-late"] = 2,
            ["readings.rejected.out-of-range"] = 5,
            [CounterNames.MessagesReceived] = 990,
            [CounterNames.ConnectsRefused] = 1,
        };
        var stats = new ClusterStats(new CounterSet(counters), ["silo-0"], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1),
            [new SiloGauges("silo-0", DateTimeOffset.UnixEpoch, 50_000_000, 120_000_000, 12, 20, 19)]);

        var json = Parse(StatsCommands.ToJson(stats), AdminJsonContext.Default.StatsJson);

        json.GetProperty("readings").GetProperty("accepted").GetInt64().Should().Be(1000);
        json.GetProperty("readings").GetProperty("duplicate").GetInt64().Should().Be(3);
        json.GetProperty("readings").GetProperty("rejected").GetProperty("too-late").GetInt64().Should().Be(2);
        json.GetProperty("readings").GetProperty("rejected").GetProperty("out-of-range").GetInt64().Should().Be(5);
        json.GetProperty("decisions").GetProperty("sent").GetInt64().Should().Be(0);
        json.GetProperty("decisions").GetProperty("suppressed").EnumerateObject().Should().BeEmpty();
        foreach (var name in new[] { "sent", "delivered", "opened", "converted", "dismissed" })
            json.GetProperty("notifications").GetProperty(name).GetInt64().Should().Be(0);
        var conversion = json.GetProperty("conversion");
        conversion.GetProperty("overall").ValueKind.Should().Be(JsonValueKind.Null);
        foreach (var name in new[] { "byModel", "bySegment", "byArm" }) conversion.GetProperty(name).ValueKind.Should().Be(JsonValueKind.Object);
        json.GetProperty("messages").GetProperty("received").GetInt64().Should().Be(990);
        json.GetProperty("messages").GetProperty("refused").GetInt64().Should().Be(0);
        json.GetProperty("connects").GetProperty("refused").GetInt64().Should().Be(1);
        var silo = json.GetProperty("siloHealth").EnumerateArray().Single();
        silo.GetProperty("heapBytes").GetInt64().Should().Be(50_000_000);
        silo.GetProperty("activeUsers").GetInt32().Should().Be(12);
        silo.GetProperty("mqttConnections").GetInt32().Should().Be(19);
    }

    [Fact]
    public void UserShowJsonHasTheContractShapeWithNullsForUnknowns()
    {
        var snapshot = new UserSnapshot(
            "u1", "workout", DateTimeOffset.UnixEpoch,
            new EstimateView(new ChannelView(152.5, 2.1), new ChannelView(null, null), new ChannelView(168, 3), new ChannelView(2.4, 0.3),
                new PositionView(52.37, 4.89, 6), double.NaN),
            [new FeatureValue("hrPctMax", 0.81), new FeatureValue("minutesSinceWorkout", null)],
            [new ReadingView("w1", 7, DateTimeOffset.UnixEpoch, 150, null, 168, 2.4, null, null)],
            [new DeviceRef("w1", "watch")],
            [new FilterHealth("hr", 10, 1, null)],
            34, "Europe/Amsterdam", null, DateTimeOffset.UnixEpoch, 10, null,
            [new CandidateView("drink-3", "drinks", 1.7, "als", "v1")], [], []);

        var json = Parse(UserCommands.ToJson(snapshot), AdminJsonContext.Default.UserShowJson);

        json.GetProperty("userId").GetString().Should().Be("u1");
        json.GetProperty("label").GetString().Should().Be("workout");
        json.GetProperty("labelSince").ValueKind.Should().Be(JsonValueKind.String);
        var estimate = json.GetProperty("estimate");
        estimate.GetProperty("hr").GetProperty("value").GetDouble().Should().Be(152.5);
        estimate.GetProperty("hr").GetProperty("std").GetDouble().Should().Be(2.1);
        estimate.GetProperty("speed").GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);
        estimate.GetProperty("cadence").GetProperty("value").GetDouble().Should().Be(168);
        estimate.GetProperty("acc").GetProperty("std").GetDouble().Should().Be(0.3);
        estimate.GetProperty("position").GetProperty("lat").GetDouble().Should().Be(52.37);
        estimate.GetProperty("position").GetProperty("lon").GetDouble().Should().Be(4.89);
        estimate.GetProperty("position").GetProperty("std").GetDouble().Should().Be(6);
        estimate.GetProperty("hrTrendPerMin").ValueKind.Should().Be(JsonValueKind.Null, "NaN is not JSON: unknown is null");
        json.GetProperty("features").GetProperty("hrPctMax").GetDouble().Should().Be(0.81);
        json.GetProperty("features").GetProperty("minutesSinceWorkout").ValueKind.Should().Be(JsonValueKind.Null);
        var candidate = json.GetProperty("candidates").EnumerateArray().Should().ContainSingle().Subject;
        candidate.EnumerateObject().Select(p => p.Name).Should().Equal("itemId", "category", "affinity", "propensity", "osr", "source", "modelVersion", "affinityZ", "raw");
        candidate.GetProperty("itemId").GetString().Should().Be("drink-3");
        candidate.GetProperty("category").GetString().Should().Be("drinks");
        candidate.GetProperty("affinity").GetDouble().Should().Be(1.7);
        candidate.GetProperty("propensity").ValueKind.Should().Be(JsonValueKind.Null, "no propensity model yet");
        candidate.GetProperty("osr").ValueKind.Should().Be(JsonValueKind.Null, "no decisions yet");
        candidate.GetProperty("source").GetString().Should().Be("als");
        candidate.GetProperty("modelVersion").GetString().Should().Be("v1");
        json.GetProperty("decisions").GetArrayLength().Should().Be(0);
        json.GetProperty("lastReadings")[0].GetProperty("speed").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("devices")[0].GetProperty("kind").GetString().Should().Be("watch");
        json.GetProperty("filters")[0].GetProperty("meanNis").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("profile").GetProperty("segment").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void RegisterJsonUsesContractNames()
    {
        var json = Parse(new RegisteredDeviceJson("d1", "u1", "s3cret"), AdminJsonContext.Default.RegisteredDeviceJson);

        json.EnumerateObject().Select(p => p.Name).Should().Equal("deviceId", "userId", "secret");
    }

    [Fact]
    public void SimulationSummaryReportsLatencyPercentilesInMilliseconds()
    {
        var stats = new SimulationStats();
        for (var i = 1; i <= 1000; i++)
        {
            stats.OnPublished(1);
            stats.OnAcked(1, i * 100L);
        }

        stats.OnRefused("quota exceeded");

        var json = Parse(stats.ToJson(users: 1, devices: 2, connected: 2, seconds: 10, targetRate: 100), AdminJsonContext.Default.SimulationJson);

        json.GetProperty("published").GetInt64().Should().Be(1000);
        json.GetProperty("acked").GetInt64().Should().Be(1000);
        json.GetProperty("refused").GetProperty("quota exceeded").GetInt64().Should().Be(1);
        json.GetProperty("achievedRate").GetDouble().Should().Be(100);
        var latency = json.GetProperty("latencyMs");
        latency.GetProperty("p50").GetDouble().Should().BeApproximately(50, 50 / 64.0);
        latency.GetProperty("p99").GetDouble().Should().BeApproximately(99, 99 / 64.0);
        latency.GetProperty("max").GetDouble().Should().Be(100);
    }

    [Fact]
    public void ErrorMessageReasonIsRead()
    {
        SimulationStats.ReadReason(new System.Buffers.ReadOnlySequence<byte>("""{"seq":12,"reason":"too-late"}"""u8.ToArray())).Should().Be("too-late");
        SimulationStats.ReadReason(new System.Buffers.ReadOnlySequence<byte>("not json"u8.ToArray())).Should().Be("unparseable");
    }
}
