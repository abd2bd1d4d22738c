using System.Globalization;
using System.Text;
using MQTTnet;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// The decision scenario the end-to-end tests share: a catalogue the test users like (drinks), ALS trained on it, a
/// propensity model fitted to the planted receptivity and promoted, exploration off and a threshold of 0.7; and a
/// workout day published over real MQTT (20 min at rest, a 30 min run, 40 min of recovery).
/// </summary>
internal static class DecisionScenario
{
    /// <summary>When the seeded purchase history starts.</summary>
    public static readonly DateTimeOffset History = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A silo process's settings for the scenario: the event clock (the workout is in the past), no rate limit for the
    /// replayed readings, a small ALS model.
    /// </summary>
    public static Dictionary<string, string?> SiloSettings() => new()
    {
        ["Osr:Clock"] = "Event",
        ["Osr:Ingest:MaxReadingsPerSecond"] = "100000",
        ["Osr:Ingest:Burst"] = "100000",
        ["Osr:Als:Rank"] = "8",
        ["Osr:Als:Iterations"] = "8",
    };

    /// <summary>
    /// 60 items (30 drinks, 30 gear), 80 other users half on each side, <paramref name="users"/> buying drinks; ALS
    /// trained and promoted; the planted-propensity model saved under <paramref name="modelsPath"/> and promoted; rules
    /// <c>explore.rate</c> 0 and <c>osr.threshold</c> 0.7.
    /// </summary>
    public static async Task SeedAsync(IGrainFactory grains, string modelsPath, params string[] users)
    {
        var items = Enumerable.Range(0, 60).Select(i => new ItemRecord(i < 30 ? $"drinks-{i:00}" : $"gear-{i:00}", ItemKind.Product, i < 30 ? "drinks" : "gear", [])).ToArray();
        var random = new Random(11);
        var interactions = new List<InteractionRecord>();
        string[] everyone = [.. Enumerable.Range(0, 80).Select(u => $"pop-{u}"), .. users];
        for (var u = 0; u < everyone.Length; u++)
        {
            var offset = u % 2 == 0 || u >= 80 ? 0 : 30;
            foreach (var i in Enumerable.Range(0, 30).OrderBy(_ => random.Next()).Take(8))
                interactions.Add(new InteractionRecord(everyone[u], items[offset + i].ItemId, InteractionAction.Purchase, History.AddMinutes(interactions.Count).UtcTicks));
        }
        var catalog = grains.GetGrain<ICatalogGrain>(GrainKeys.Global);
        await catalog.ImportItemsAsync(items);
        await catalog.ImportInteractionsAsync([.. interactions]);
        var als = await Jobs.TrainAsync(grains, "als");
        als.Promoted.Should().BeTrue(als.Message);

        await PromotePlantedPropensityAsync(grains, modelsPath, "p-planted", seed: 5);

        var rules = grains.GetGrain<IRulesGrain>(GrainKeys.Global);
        (await rules.SetAsync(RuleKeys.ExploreRate, RuleScope.Global, "0")).Ok.Should().BeTrue();
        (await rules.SetAsync(RuleKeys.Threshold, RuleScope.Global, "0.7")).Ok.Should().BeTrue();
    }

    /// <summary>A propensity model fitted to 20,000 outcomes of the planted receptivity, saved as <paramref name="version"/>.</summary>
    public static PropensityModel SavePlantedPropensity(string modelsPath, string version, int seed)
    {
        var model = PropensityTrainer.Train(PlantedReceptivity.Generate(20_000, seed, History.UtcTicks), PlantedReceptivity.Categories,
            version, DateTimeOffset.UtcNow);
        PropensityStore.Save(Path.Combine(modelsPath, "propensity", model.Version), model);
        return model;
    }

    private static async Task PromotePlantedPropensityAsync(IGrainFactory grains, string modelsPath, string version, int seed)
    {
        var model = SavePlantedPropensity(modelsPath, version, seed);
        var promoted = await grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global).PromoteAsync("propensity", model.Version);
        promoted.Ok.Should().BeTrue(promoted.Message);
    }

    /// <summary>A local time in UTC+1 (Amsterdam in November).</summary>
    public static DateTimeOffset Local(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.FromHours(1));

    /// <summary>RFC 3339 in UTC with milliseconds, as devices send it.</summary>
    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// 20 min at rest, a 30 min run, 40 min of recovery from <paramref name="start"/>: one reading every 5 s, 5 min per
    /// message, each acknowledged. A scoring pass queued by the last batch runs before any later call on the user's grain
    /// (non-reentrant), so a snapshot taken afterwards sees its decision.
    /// </summary>
    public static async Task PublishWorkoutAsync(DeviceClient device, DateTimeOffset start, int firstSeq = 0)
    {
        var seq = firstSeq;
        for (var minute = 0; minute < 90; minute += 5)
        {
            var json = new StringBuilder("[");
            for (var s = 0; s < 300; s += 5)
            {
                var t = start.AddMinutes(minute).AddSeconds(s);
                var m = minute + s / 60.0;
                var (hr, speed, cadence, acc) = m switch
                {
                    < 20 => (64.0, 0.0, 0.0, 0.05),
                    < 50 => (165.0, 3.2, 170.0, 3.0),
                    _ => (Math.Max(72, 135 - (m - 50) * 4), 0.0, 0.0, 0.08),
                };
                if (json.Length > 1) json.Append(',');
                json.Append(CultureInfo.InvariantCulture,
                    $$"""{"seq":{{seq++}},"ts":"{{Iso(t)}}","hr":{{hr:0.#}},"speed":{{speed:0.#}},"cadence":{{cadence:0}},"acc":{{acc:0.##}}}""");
            }
            json.Append(']');
            var ack = await device.PublishAsync($"osr/v1/devices/{device.DeviceId}/readings", json.ToString());
            ack.ReasonCode.Should().Be(MqttClientPublishReasonCode.Success);
        }
    }
}
