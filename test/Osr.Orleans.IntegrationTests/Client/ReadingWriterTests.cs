using System.Text;
using System.Text.Json;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Models.Readings;

namespace Osr.Orleans.IntegrationTests.Client;

public class ReadingWriterTests
{
    private static readonly long Ts = new DateTimeOffset(2026, 11, 23, 18, 2, 11, 250, TimeSpan.Zero).UtcTicks;

    private static string Serialize(params Reading[] readings)
    {
        using var serializer = new PooledReadingSerializer();
        var (buffer, length) = serializer.Serialize(readings);
        try
        {
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            PooledReadingSerializer.Return(buffer);
        }
    }

    [Fact]
    public void WritesTheContractExample()
    {
        var json = Serialize(new Reading(1042, Ts, 152, 3.1, 168, 2.4, 52.3702, 4.8952));

        // docs/contract.md "Reading", without the whitespace.
        json.Should().Be("""{"seq":1042,"ts":"2026-11-23T18:02:11.250Z","hr":152,"speed":3.1,"cadence":168,"acc":2.4,"lat":52.3702,"lon":4.8952}""");
    }

    [Fact]
    public void MissingSensorsAreLeftOut()
    {
        var json = Serialize(new Reading(7, Ts, double.NaN, double.NaN, 90, double.NaN, double.NaN, double.NaN));

        json.Should().Be("""{"seq":7,"ts":"2026-11-23T18:02:11.250Z","cadence":90}""");
    }

    [Fact]
    public void RoundsToSensorResolution()
    {
        var json = Serialize(new Reading(1, Ts, 151.6, 3.14159, 167.4, 2.456, 52.12345678, -4.98765432));

        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        r.GetProperty("hr").GetDouble().Should().Be(152);
        r.GetProperty("speed").GetDouble().Should().Be(3.14);
        r.GetProperty("cadence").GetDouble().Should().Be(167);
        r.GetProperty("acc").GetDouble().Should().Be(2.46);
        r.GetProperty("lat").GetDouble().Should().Be(52.123457);
        r.GetProperty("lon").GetDouble().Should().Be(-4.987654);
    }

    [Fact]
    public void BatchIsAnArrayOfReadingsInOrder()
    {
        var batch = Enumerable.Range(0, 3).Select(i => new Reading(100 + i, Ts + i * TimeSpan.TicksPerSecond, 60 + i, double.NaN, double.NaN, 0.1, double.NaN, double.NaN)).ToArray();

        using var doc = JsonDocument.Parse(Serialize(batch));

        doc.RootElement.ValueKind.Should().Be(JsonValueKind.Array);
        doc.RootElement.EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).Should().Equal(100, 101, 102);
        doc.RootElement[2].GetProperty("ts").GetString().Should().Be("2026-11-23T18:02:13.250Z");
        DateTimeOffset.Parse(doc.RootElement[0].GetProperty("ts").GetString()!, System.Globalization.CultureInfo.InvariantCulture).UtcTicks.Should().Be(Ts);
    }

    [Fact]
    public void LargestBatchFitsTheMqttPayloadLimit()
    {
        var batch = Enumerable.Range(0, SimulationOptions.MaxReadingsPerMessage)
            .Select(i => new Reading(1_764_000_000_000 + i, Ts, 199, 99.99, 299, 199.99, -89.123456, -179.123456)).ToArray();

        Encoding.UTF8.GetByteCount(Serialize(batch)).Should().BeLessThan(64 * 1024);
    }

    [Fact]
    public void SerializerReusesItsWriterAcrossPayloads()
    {
        using var serializer = new PooledReadingSerializer();
        for (var i = 0; i < 3; i++)
        {
            var (buffer, length) = serializer.Serialize([new Reading(i, Ts, 70, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN)]);
            Encoding.UTF8.GetString(buffer, 0, length).Should().StartWith($"{{\"seq\":{i},");
            PooledReadingSerializer.Return(buffer);
        }
    }
}
