using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Silo.Extensions;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

/// <summary>
/// An Orleans test cluster (TestingHost, two silos) running the real grains with in-memory
/// storage and a fake application clock, shared by the tests of <see cref="ClusterCollection"/>.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>Per-device limit in this cluster: 10 readings/s, burst 20.</summary>
    public const int RatePerSecond = 10;
    public const int Burst = 20;

    public static FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero));

    public TestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    public async Task<string> RegisterAsync(string deviceId, string userId, string kind = "watch")
    {
        var result = await Grains.GetGrain<IDeviceGrain>(deviceId).RegisterAsync(userId, kind);
        result.Ok.Should().BeTrue(result.Error);
        return result.Secret!;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Osr:Ingest:MaxReadingsPerSecond"] = RatePerSecond.ToString(),
                ["Osr:Ingest:Burst"] = Burst.ToString(),
                ["Osr:State:CheckpointInterval"] = "00:00:00.200",
            }).Build();
            siloBuilder.AddMemoryGrainStorage(StorageNames.Default);
            // The rule broadcast to the other silo's cache, and the live views' streams.
            siloBuilder.AddMemoryGrainStorage(LiveStreams.PubSubStore);
            siloBuilder.AddOsrLiveViews();
            siloBuilder.UseInMemoryReminderService();
            siloBuilder.Services.Configure<Grains.Options.ModelsOptions>(o => o.Path = TempDirectory.Create("osr-cluster-models"));
            siloBuilder.Services.AddSingleton(new OsrClock(Time));
            siloBuilder.Services.AddSingleton<Grains.Push.INotificationSink>(RecordingSink.Instance);
            siloBuilder.Services.AddOsrGrainServices(configuration);
            siloBuilder.Services.Configure<DataOptions>(o => o.Path = TempDirectory.Create("osr-cluster-data"));
            siloBuilder.Services.AddOsrEventStore();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
