using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.IntegrationTests.Client;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Features;
using Xunit.Abstractions;

namespace Osr.Orleans.IntegrationTests.Silo;

/// <summary>A silo of its own: these tests promote propensity models, which the shared silo's tests must not see.</summary>
[CollectionDefinition(Name)]
public sealed class OffPolicySiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo-off-policy";
}

/// <summary>
/// <c>osr-admin model evaluate propensity VERSION</c> end to end on a real silo: decisions of a
/// planted world (test code only) in the real SQLite decision log, a propensity model trained by
/// the registry from them, then the console against the real registry grain.
/// </summary>
[Collection(OffPolicySiloCollection.Name)]
public sealed class PropensityEvaluationTests(SiloFixture silo, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Labels = ["rest", "active", "workout", "post-workout"];
    private static readonly string[] Categories = ["drinks", "recipes"];

    [Fact]
    public async Task EvaluatesATrainedVersionAgainstThePriorAndPromotesOnlyWhenItsLowerBoundIsBetter()
    {
        await LogPlantedWorldAsync(silo.Services.GetRequiredService<IDecisionLog>(), 6_000);
        var job = await Jobs.TrainAsync(silo.Grains, "propensity", promoteIfBetter: false);
        job.State.Should().Be(TrainingState.Succeeded, job.Message);
        var registry = silo.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        (await registry.GetActiveAsync("propensity")).Should().BeNull("nothing was promoted: the prior serves");
        var cli = Cli(registry);

        // A bad version: exit 2, one line saying why, nothing changed.
        (await cli.RunAsync("model", "evaluate", "propensity", "p-nope", "--promote-if-better")).Should().Be(ExitCodes.BadInput);
        cli.Error.ToString().Should().Contain("no propensity model version 'p-nope'").And.Contain("nothing was changed");
        cli.Out.ToString().Should().BeEmpty();
        (await registry.GetActiveAsync("propensity")).Should().BeNull();
        (await cli.RunAsync("model", "evaluate", "als", job.Version!)).Should().Be(ExitCodes.BadInput);

        // Without --promote-if-better: estimates for both policies, nothing promoted.
        cli = Cli(registry);
        (await cli.RunAsync("model", "evaluate", "propensity", job.Version!, "--json")).Should().Be(ExitCodes.Success, cli.Error.ToString());
        using (var json = JsonDocument.Parse(cli.Out.ToString()))
        {
            var root = json.RootElement;
            root.GetProperty("decisions").GetInt32().Should().Be(6_000, "every decision of the planted log is a push or held by the threshold only");
            root.GetProperty("promoted").GetBoolean().Should().BeFalse();
            var candidate = root.GetProperty("candidate");
            candidate.GetProperty("version").GetString().Should().Be(job.Version);
            root.GetProperty("active").GetProperty("version").GetString().Should().Be("prior");
            foreach (var estimator in new[] { "ips", "snips", "dr" })
            {
                var e = candidate.GetProperty(estimator);
                e.GetProperty("lower").GetDouble().Should().BeLessThanOrEqualTo(e.GetProperty("value").GetDouble());
                e.GetProperty("upper").GetDouble().Should().BeGreaterThanOrEqualTo(e.GetProperty("value").GetDouble());
            }

            candidate.GetProperty("effectiveSampleSize").GetDouble().Should().BeInRange(10, 6_000);
        }

        (await registry.GetActiveAsync("propensity")).Should().BeNull();

        // The table names the estimators; then --promote-if-better promotes a model that knows the
        // planted receptivity over the affinity-only prior (its DR lower bound beats the prior's DR).
        var result = await registry.EvaluatePropensityAsync(job.Version!, promoteIfBetter: false);
        result.Candidate!.DoublyRobust.Lower.Should().BeGreaterThan(result.Active!.DoublyRobust.Value, result.Message);
        result.Active.EffectiveSampleSize.Should().BeApproximately(6_000, 1e-6, "the prior's policy is the logging policy: every weight is 1");
        cli = Cli(registry);
        (await cli.RunAsync("model", "evaluate", "propensity", job.Version!, "--promote-if-better")).Should().Be(ExitCodes.Success, cli.Error.ToString());
        var table = cli.Out.ToString();
        output.WriteLine(table);
        table.Should().Contain("SNIPS").And.Contain("DR").And.Contain("(candidate)").And.Contain("prior (active)").And.Contain("Promoted");
        (await registry.GetActiveAsync("propensity")).Should().Be(job.Version);

        // Evaluating the active version again: already active, nothing changes.
        var again = await registry.EvaluatePropensityAsync(job.Version!, promoteIfBetter: true);
        again.Promoted.Should().BeFalse();
        again.Message.Should().Contain("already active");
    }

    private static TestCli Cli(IModelRegistryGrain registry)
    {
        var cli = new TestCli { ConsoleWidth = 200 };
        cli.Clusters.Connection = new FakeClusterConnection().Add(GrainKeys.Global, registry);
        return cli;
    }

    /// <summary>
    /// Planted world: receptivity q(label, category), high for drinks after a workout, low elsewhere;
    /// affinity a ~ N(0, 1). Logging policy: the prior (p = 0.5), rule send when a ≥ 0.8, else
    /// explored with ε = 0.1 (SendProbability 0.1, reason explore), else suppressed by the threshold.
    /// </summary>
    private static async Task LogPlantedWorldAsync(IDecisionLog log, int n)
    {
        var random = new Random(11);
        var tasks = new List<Task>();
        for (var i = 0; i < n; i++)
        {
            var label = random.Next(Labels.Length);
            var category = random.Next(Categories.Length);
            var q = (label, category) switch
            {
                (3, 0) => 0.45,
                (2, 0) => 0.15,
                (0, 1) => 0.12,
                _ => 0.02,
            };
            var a = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var rule = a >= 0.8;
            var explored = !rule && random.NextDouble() < 0.1;
            var sent = rule || explored;
            var converted = sent && random.NextDouble() < q;
            var ticks = Start.UtcTicks + (i * TimeSpan.TicksPerMinute);
            var user = "ope-user-" + (i % 150);
            var features = State(label);
            var record = new DecisionRecord(DecisionIds.For(user, ticks), user, Categories[category] + "-1", Categories[category], Labels[label],
                features, ticks, ticks, sent ? DecisionOutcomes.Sent : DecisionOutcomes.Suppressed,
                rule ? "" : explored ? DecisionOutcomes.Explore : "threshold",
                a, 0.5, a * 0.5, rule ? 0.9 : 0.4, 0.75, sent ? (rule ? 1 : 0.1) : 0, "prior", "als-v1", "a", null);
            tasks.Add(AppendAsync(log, record, sent, converted));
            if (tasks.Count == 500)
            {
                await Task.WhenAll(tasks);
                tasks.Clear();
            }
        }

        await Task.WhenAll(tasks);
    }

    private static async Task AppendAsync(IDecisionLog log, DecisionRecord record, bool sent, bool converted)
    {
        await log.AppendDecisionAsync(record);
        if (!sent) return;
        await log.AppendFeedbackAsync(new FeedbackRecord(record.DecisionId, record.UserId, FeedbackAction.Delivered, record.DecidedUtcTicks));
        if (converted)
            await log.AppendFeedbackAsync(new FeedbackRecord(record.DecisionId, record.UserId, FeedbackAction.Converted, record.DecidedUtcTicks + TimeSpan.TicksPerMinute));
    }

    private static double[] State(int label) => label switch
    {
        3 => DecisionFeatures.ToArray(new FeatureVector(120, 0.64, -0.5, 0.3, 0, 0.2, 0.5, 10, 10, 18.5, 2, 2, double.NaN)),
        2 => DecisionFeatures.ToArray(new FeatureVector(160, 0.85, 0.2, 3, 85, 1.0, 0.9, 30, 0, 17.5, 2, 3, double.NaN)),
        1 => DecisionFeatures.ToArray(new FeatureVector(95, 0.5, 0, 1.2, 60, 0.4, 0.3, 20, 200, 12, 2, 2, double.NaN)),
        _ => DecisionFeatures.ToArray(new FeatureVector(62, 0.33, 0, 0, 0, 0.02, 0.05, 60, 600, 21, 2, 1, double.NaN)),
    };
}
