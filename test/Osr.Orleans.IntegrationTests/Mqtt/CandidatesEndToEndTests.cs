using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Catalog;
using Osr.Orleans.Silo.Extensions;

namespace Osr.Orleans.IntegrationTests.Mqtt;

/// <summary>
/// Catalogue and interactions in, an ALS model trained, evaluated and promoted by the
/// registry, candidates served per user — and a new user's interaction over MQTT changes
/// their candidates at once (fold-in). Real silo, real SQLite, real model files.
/// </summary>
public sealed class CandidatesEndToEndTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _data = TempDirectory.Create("osr-e2e-data");
    private readonly string _models = TempDirectory.Create("osr-e2e-models");
    private readonly int _mqttPort = FreePort.Next();
    private IHost _host = null!;

    private IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync() => _host = await StartAsync();

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Fact]
    public async Task TrainedModelServesCandidatesAndFoldsInANewUsersInteractionAtOnce()
    {
        // Two tastes: users 0–59 consume items of category "a", users 60–119 of category "b".
        var items = Enumerable.Range(0, 80).Select(i => new ItemRecord($"it-{i}", ItemKind.Product, i < 40 ? "a" : "b", [])).ToArray();
        var random = new Random(7);
        var interactions = new List<InteractionRecord>();
        for (var u = 0; u < 120; u++)
        {
            var offset = u < 60 ? 0 : 40;
            foreach (var i in Enumerable.Range(0, 40).OrderBy(_ => random.Next()).Take(12))
                interactions.Add(new InteractionRecord($"user-{u}", $"it-{offset + i}", InteractionAction.Purchase, T0.AddHours(interactions.Count).UtcTicks));
        }
        var catalog = Grains.GetGrain<ICatalogGrain>(GrainKeys.Global);
        await catalog.ImportItemsAsync(items);
        await catalog.ImportInteractionsAsync([.. interactions]);

        var job = await TrainAsync();

        job.State.Should().Be(TrainingState.Succeeded, job.Message);
        job.Promoted.Should().BeTrue(job.Message);
        job.Metrics!["recall@10"].Should().BeGreaterThan(job.Metrics["popularity.recall@10"], "the planted tastes beat popularity");
        var registry = Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        (await registry.GetActiveAsync("als")).Should().Be(job.Version);

        var known = await SnapshotAsync("user-3");
        known.Candidates.Should().NotBeEmpty();
        known.Candidates.Should().OnlyContain(c => c.Source == "als" && c.ModelVersion == job.Version);
        known.Candidates.Count(c => c.Category == "a").Should().BeGreaterThanOrEqualTo(8, "user-3 consumes category a");
        var consumed = interactions.Where(i => i.UserId == "user-3").Select(i => i.ItemId).ToHashSet();
        known.Candidates.Should().NotContain(c => consumed.Contains(c.ItemId));

        (await SnapshotAsync("nobody")).Candidates.Should().OnlyContain(c => c.Source == "popular");

        // A user the training never saw: one interaction over MQTT → folded in immediately.
        var secret = (await Grains.GetGrain<IDeviceGrain>("newbie-phone").RegisterAsync("newbie", "phone")).Secret!;
        await using var device = await DeviceClient.ConnectAsync(_mqttPort, "newbie-phone", secret);
        foreach (var item in new[] { "it-41", "it-45", "it-50" })
        {
            var ack = await device.PublishAsync("osr/v1/devices/newbie-phone/events",
                $$"""{"type":"interaction","itemId":"{{item}}","action":"purchase","ts":"{{DateTimeOffset.UtcNow:O}}"}""");
            ack.ReasonCode.Should().Be(MQTTnet.MqttClientPublishReasonCode.Success);
        }
        var folded = await SnapshotAsync("newbie");
        folded.Candidates.Should().OnlyContain(c => c.Source == "fold-in");
        folded.Candidates.Count(c => c.Category == "b").Should().BeGreaterThanOrEqualTo(8, "newbie bought category b");
        folded.Candidates.Select(c => c.ItemId).Should().NotIntersectWith(["it-41", "it-45", "it-50"]);
    }

    [Fact]
    public async Task RegistrySurvivesARestartAndRollsBack()
    {
        var catalog = Grains.GetGrain<ICatalogGrain>(GrainKeys.Global);
        await catalog.ImportInteractionsAsync([.. Enumerable.Range(0, 300).Select(i =>
            new InteractionRecord($"u{i % 30}", $"i{(i * 7 + i / 30) % 25}", InteractionAction.View, T0.AddMinutes(i).UtcTicks))]);
        var first = await TrainAsync();
        var second = await TrainAsync();
        first.Promoted.Should().BeTrue(first.Message);
        var registry = Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        (await registry.PromoteAsync("als", second.Version!)).Ok.Should().BeTrue();

        await _host.StopAsync();
        _host.Dispose();
        _host = await StartAsync();
        registry = Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);

        (await registry.GetActiveAsync("als")).Should().Be(second.Version);
        (await registry.ListAsync()).Select(v => v.Version).Should().Contain([first.Version!, second.Version!]);
        var rollback = await registry.RollbackAsync("als");
        rollback.Ok.Should().BeTrue(rollback.Message);
        rollback.ActiveVersion.Should().Be(first.Version);
        (await registry.PromoteAsync("als", "no-such-version")).Ok.Should().BeFalse();
        (await registry.PromoteAsync("propensity", first.Version!)).Ok.Should().BeFalse();
    }

    private Task<TrainingJob> TrainAsync() => Jobs.TrainAsync(Grains, "als");

    private Task<UserSnapshot> SnapshotAsync(string userId) => Grains.GetGrain<IUserStateGrain>(userId).GetSnapshotAsync().AsTask();

    private async Task<IHost> StartAsync()
    {
        var host = OsrSiloHost.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Osr:Ops:Port"] = "0",
            ["Osr:Mqtt:Port"] = _mqttPort.ToString(),
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            ["Osr:Data:Path"] = _data,
            ["Osr:Models:Path"] = _models,
            ["Osr:Als:Rank"] = "8",
            ["Osr:Als:Iterations"] = "8",
            ["Osr:Cluster:SiloPort"] = FreePort.Next().ToString(),
            ["Osr:Cluster:GatewayPort"] = FreePort.Next().ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        }).Build();
        await host.StartAsync();
        return host;
    }
}
