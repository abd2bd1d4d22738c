using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Models.Events;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary>
/// The retention job on a real embedded silo whose clock the test moves: it deletes only what is older than each
/// log's setting, its reminder is registered once for the cluster, and a bad setting stops the silo naming the key.
/// </summary>
public sealed class RetentionJobTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheJobDeletesOnlyRowsOlderThanEachLogsRetentionAsTimeMovesOn()
    {
        var time = new FakeTimeProvider(Start);
        await using var silo = await InProcessSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Osr:Storage:Mode"] = "Sqlite",
            ["Osr:Retention:Interactions"] = "30.00:00:00",
            ["Osr:Retention:Decisions"] = "20.00:00:00",
            ["Osr:Retention:Feedback"] = "10.00:00:00",
        }, services => services.AddSingleton(new OsrClock(time)));
        var events = silo.Services.GetRequiredService<IEventStore>();
        var log = silo.Services.GetRequiredService<IDecisionLog>();
        await events.AppendInteractionsAsync([
            Interaction("i-31d", Start.AddDays(-31)), Interaction("i-29d", Start.AddDays(-29)), Interaction("i-1d", Start.AddDays(-1)),
        ]);
        foreach (var (id, age) in new[] { ("d-21d", 21), ("d-15d", 15), ("d-5d", 5) })
        {
            await log.AppendDecisionAsync(Decision(id, Start.AddDays(-age)));
            await log.AppendFeedbackAsync(new FeedbackRecord(id, "u-r", FeedbackAction.Opened, Start.AddDays(-age).AddMinutes(1).UtcTicks));
        }
        var job = silo.Grains.GetGrain<IRetentionGrain>(GrainKeys.Global);

        var first = await job.RunAsync();

        first.Should().Be(new RetentionRun(Start, 1, 1, 2), "i-31d; d-21d with its feedback; and d-15d's 15-day-old feedback");
        (await ItemsAsync(events)).Should().Equal("i-29d", "i-1d");
        (await DecisionsAsync(log)).Should().Equal(("d-15d", 0), ("d-5d", 1));
        (await job.RunAsync()).Should().Be(new RetentionRun(Start, 0, 0, 0), "a second run at the same time finds nothing");

        time.Advance(TimeSpan.FromDays(10));
        (await job.RunAsync()).Should().Be(new RetentionRun(Start.AddDays(10), 1, 1, 1));
        (await ItemsAsync(events)).Should().Equal("i-1d");
        (await DecisionsAsync(log)).Should().Equal(("d-5d", 0));
    }

    [Fact]
    public async Task TheReminderIsRegisteredOnceWhenARetentionIsSet()
    {
        await using var silo = await InProcessSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Osr:Storage:Mode"] = "Sqlite",
            ["Osr:Retention:Feedback"] = "7.00:00:00",
            ["Osr:Retention:Every"] = "00:30:00",
        });
        var job = silo.Grains.GetGrain<IRetentionGrain>(GrainKeys.Global);
        var table = silo.Services.GetRequiredService<IReminderTable>();
        var grainId = ((GrainReference)job).GrainId;

        // Every silo asks at start (RetentionScheduler); asking again changes nothing.
        await Poll.UntilAsync(async () => await table.ReadRow(grainId, "retention") is not null, "the scheduler registered the reminder");
        var row = await table.ReadRow(grainId, "retention");
        (await job.EnsureScheduledAsync()).Should().BeTrue();
        (await table.ReadRow(grainId, "retention"))!.ETag.Should().Be(row!.ETag);
        row.Period.Should().Be(TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task WithoutARetentionNoReminderIsRegisteredAndNothingIsDeleted()
    {
        await using var silo = await InProcessSilo.StartAsync(new Dictionary<string, string?> { ["Osr:Storage:Mode"] = "Sqlite" });
        var events = silo.Services.GetRequiredService<IEventStore>();
        await events.AppendInteractionsAsync([Interaction("i-old", new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero))]);
        var job = silo.Grains.GetGrain<IRetentionGrain>(GrainKeys.Global);

        (await job.EnsureScheduledAsync()).Should().BeFalse();
        (await silo.Services.GetRequiredService<IReminderTable>().ReadRow(((GrainReference)job).GrainId, "retention")).Should().BeNull();
        (await job.RunAsync()).Interactions.Should().Be(0);
        (await ItemsAsync(events)).Should().Equal("i-old");
    }

    [Fact]
    public async Task TheJobKeepsTheNewestModelVersionsWithTheActiveOneAndItsRollbackTarget()
    {
        await using var silo = await InProcessSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Osr:Storage:Mode"] = "Sqlite",
            ["Osr:Retention:ModelVersions"] = "3",
        });
        var repository = silo.Services.GetRequiredService<ModelRepository>();
        for (var i = 1; i <= 6; i++)
            await repository.SavePropensityAsync(PropensityModel.FromManifest(PropensityModel.Prior.Manifest with
                { Version = $"p-{i}", Trainer = "test", CreatedAt = Start.AddDays(i) }));
        var registry = silo.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        foreach (var version in new[] { "p-1", "p-2", "p-6", "p-1" }) (await registry.PromoteAsync("propensity", version)).Ok.Should().BeTrue();

        var run = await silo.Grains.GetGrain<IRetentionGrain>(GrainKeys.Global).RunAsync();

        run.ModelVersions.Should().Be(3, "p-2, p-3 and p-4 go; p-1 is active, p-6 is the roll-back target, p-5 the newest other");
        (await repository.ListPropensityAsync()).Select(m => m.Version).Order().Should().Equal("p-1", "p-5", "p-6");
        Directory.EnumerateDirectories(repository.PropensityRoot).Select(Path.GetFileName).Order().Should().Equal("p-1", "p-5", "p-6");
        (await registry.RollbackAsync("propensity")).ActiveVersion.Should().Be("p-6");
        (await registry.RollbackAsync("propensity")).ActiveVersion.Should().Be("p-1", "p-2 left the history with its files");
        (await registry.RollbackAsync("propensity")).Ok.Should().BeFalse("nothing older is left to roll back to");
    }

    [Theory]
    [InlineData("Osr:Retention:ModelVersions", "1")]
    [InlineData("Osr:Retention:Interactions", "00:10:00")]
    [InlineData("Osr:Retention:Every", "00:00:05")]
    public async Task ABadSettingStopsTheSiloNamingItsKey(string key, string value)
    {
        var start = () => InProcessSilo.StartAsync(new Dictionary<string, string?> { ["Osr:Storage:Mode"] = "Memory", [key] = value });

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(key);
    }

    [Fact]
    public async Task AnUnparsableSettingStopsTheSiloNamingItsKey()
    {
        var start = () => InProcessSilo.StartAsync(new Dictionary<string, string?>
            { ["Osr:Storage:Mode"] = "Memory", ["Osr:Retention:Decisions"] = "a month" });

        // Program.cs turns this (a configuration error) into exit 2 with its message.
        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Osr:Retention:Decisions");
    }

    private static InteractionRecord Interaction(string item, DateTimeOffset at) => new("u-r", item, InteractionAction.View, at.UtcTicks);

    private static async Task<List<string>> ItemsAsync(IEventStore events)
    {
        var items = new List<string>();
        await foreach (var i in events.ReadInteractionsAsync(0, long.MaxValue)) items.Add(i.ItemId);
        return items;
    }

    private static async Task<List<(string, int)>> DecisionsAsync(IDecisionLog log)
    {
        var all = new List<(string, int)>();
        await foreach (var d in log.ReadDecisionsAsync(0, long.MaxValue)) all.Add((d.Decision.DecisionId, d.Feedback.Length));
        return all;
    }

    private static DecisionRecord Decision(string id, DateTimeOffset at) => new(id, "u-r", "drink-1", "drinks", "rest",
        [.. Enumerable.Repeat(double.NaN, 13)], at.UtcTicks, at.UtcTicks, DecisionOutcomes.Sent, "", 1, 0.5, 0.5, 0.9, 0.7, 1, "p-1", null, "a", null);
}
