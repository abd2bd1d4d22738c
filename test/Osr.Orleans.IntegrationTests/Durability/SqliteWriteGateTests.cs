using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using Osr.Orleans.Silo.Storage;

namespace Osr.Orleans.IntegrationTests.Durability;

/// <summary>
/// Grain-state writes to the embedded SQLite file go one at a time (<see cref="SqliteWriteGate"/>): SQLite has one writer,
/// and a writer that finds the file locked sleeps on its thread (docs/benchmarks.md, "One grain call per message").
/// </summary>
public sealed class SqliteWriteGateTests
{
    [Fact]
    public async Task WritesNeverOverlapAndRunInArrivalOrder()
    {
        var gate = new SqliteWriteGate();
        var running = 0;
        var most = 0;
        var order = new List<int>();
        var release = new TaskCompletionSource();
        var first = gate.RunAsync(async () =>
        {
            await release.Task;
            lock (order) order.Add(0);
        });
        var rest = Enumerable.Range(1, 40).Select(i => gate.RunAsync(() =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Thread.Sleep(1); // the provider's write blocks its thread
            lock (order) order.Add(i);
            Interlocked.Decrement(ref running);
            return Task.CompletedTask;
        })).ToArray();

        gate.Pending.Should().Be(41, "the first write holds the turn, the others wait without running");
        release.SetResult();
        await Task.WhenAll([first, .. rest]).WaitAsync(TimeSpan.FromSeconds(30));

        most.Should().Be(1);
        order.Should().Equal(Enumerable.Range(0, 41));
        gate.Pending.Should().Be(0);
    }

    [Fact]
    public async Task AFailedWriteFailsItsCallerAndFreesTheTurn()
    {
        var gate = new SqliteWriteGate();

        var failed = () => gate.RunAsync(() => throw new InvalidOperationException("disk full"));
        await failed.Should().ThrowAsync<InvalidOperationException>().WithMessage("disk full");

        var ran = false;
        await gate.RunAsync(() => { ran = true; return Task.CompletedTask; }).WaitAsync(TimeSpan.FromSeconds(10));
        ran.Should().BeTrue();
    }

    [Fact]
    public void EveryWrappedProviderOfOneSiloSharesOneGate()
    {
        var services = new ServiceCollection();
        foreach (var name in (string[])["a", "b"])
        {
            services.AddKeyedSingleton<IGrainStorage>(name, (_, _) => new NoStorage());
            ThreadPoolGrainStorage.Decorate(services, name);
        }

        services.Count(d => d.ServiceType == typeof(SqliteWriteGate)).Should().Be(1);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredKeyedService<IGrainStorage>("a").Should().BeOfType<ThreadPoolGrainStorage>();
        provider.GetRequiredKeyedService<IGrainStorage>("b").Should().BeOfType<ThreadPoolGrainStorage>();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    private sealed class NoStorage : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;
        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;
        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;
    }
}
