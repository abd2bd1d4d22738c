using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains;
using Osr.Orleans.Models.Filtering;

namespace Osr.Orleans.IntegrationTests.Silo;

/// <summary>
/// <c>Osr:Filter</c> (and <c>Osr:Filter:Adaptation:*</c>) is bound from configuration and
/// validated: the grains' filter banks use what the operator configured, and a bad value is
/// refused with a message naming its key. Oracle: the values written into the configuration.
/// </summary>
public sealed class FilterOptionsBindingTests
{
    private static IOptions<FilterOptions> Options(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection().AddOsrFilterOptions(configuration).BuildServiceProvider()
            .GetRequiredService<IOptions<FilterOptions>>();
    }

    [Fact]
    public void NothingConfiguredGivesTheDefaults()
    {
        var o = Options([]).Value;
        o.Adaptation.Weight.Should().Be(FilterOptions.Default.Adaptation.Weight);
        o.Adaptation.MinFactor.Should().Be(FilterOptions.Default.Adaptation.MinFactor);
        o.Hr.ProcessNoise.Should().Be(FilterOptions.Default.Hr.ProcessNoise);
        o.ProcessNoiseHorizon.Should().Be(TimeSpan.MaxValue);
        o.TrendHorizon.Should().Be(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void ConfiguredValuesReachTheFilterBank()
    {
        var o = Options(new()
        {
            ["Osr:Filter:Adaptation:Weight"] = "0",
            ["Osr:Filter:Adaptation:MaxProcessScale"] = "50",
            ["Osr:Filter:Hr:ProcessNoise"] = "0.05",
            ["Osr:Filter:ProcessNoiseHorizon"] = "00:00:02",
            ["Osr:Filter:TrendHorizon"] = "00:00:30",
        }).Value;
        o.Adaptation.Weight.Should().Be(0);
        o.Adaptation.MaxProcessScale.Should().Be(50);
        o.Hr.ProcessNoise.Should().Be(0.05);
        o.Hr.InitialRateStd.Should().Be(FilterOptions.Default.Hr.InitialRateStd, "unset keys keep their default");
        o.ProcessNoiseHorizon.Should().Be(TimeSpan.FromSeconds(2));
        o.TrendHorizon.Should().Be(TimeSpan.FromSeconds(30));

        // Weight 0 is the fixed model: R stays the device profile's σ².
        var bank = new UserFilterBank(o);
        for (var t = 0; t < 50; t++)
        {
            bank.Apply(new Models.Readings.Reading(t, 1000 + t * TimeSpan.TicksPerSecond, 70 + (t % 2), double.NaN, double.NaN,
                double.NaN, double.NaN, double.NaN), SensorNoiseProfiles.Watch);
        }

        bank.MeasurementStd(FilterChannel.Hr, SensorNoiseProfiles.Watch).Should().Be(SensorNoiseProfiles.Watch.HrStd);
    }

    [Theory]
    [InlineData("Osr:Filter:Adaptation:Weight", "1.5", "Osr:Filter:Adaptation:Weight")]
    [InlineData("Osr:Filter:Adaptation:MinFactor", "0", "Osr:Filter:Adaptation:MinFactor")]
    [InlineData("Osr:Filter:Adaptation:MaxProcessScale", "0.5", "Osr:Filter:Adaptation:MaxProcessScale")]
    [InlineData("Osr:Filter:Hr:ProcessNoise", "-1", "Osr:Filter:Hr:ProcessNoise")]
    [InlineData("Osr:Filter:ProcessNoiseHorizon", "00:00:00", "Osr:Filter:ProcessNoiseHorizon")]
    [InlineData("Osr:Filter:TrendHorizon", "00:00:00", "Osr:Filter:TrendHorizon")]
    public void ABadValueIsRefusedNamingItsKey(string key, string value, string expected)
    {
        var options = Options(new() { [key] = value });
        var read = () => options.Value;
        read.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(expected);
    }
}
