using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Models.Readings;
using Osr.Orleans.Models.Users;
using Osr.Orleans.Silo.Extensions;

namespace Osr.Orleans.Benchmarks.Storage;

/// <summary>
/// Cost of one grain-state checkpoint through the silo's configured grain storage (Orleans' ADO.NET
/// provider on SQLite or PostgreSQL): a user's state as <c>UserStateGrain</c> writes it (profile, two
/// devices, a filter bank that has seen readings, the activity tracker), written again and again for
/// many users, one writer at a time (latency) and several at once (throughput).
/// <code>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- checkpoint [sqlite | postgres CONNECTION] [--users N] [--rounds N] [--parallel N]</code>
/// </summary>
public static class CheckpointBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "sqlite";
        var settings = new Dictionary<string, string?>
        {
            ["Osr:Ops:Port"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Osr:Cluster:SiloPort"] = "21511",
            ["Osr:Cluster:GatewayPort"] = "21512",
            ["Osr:Mqtt:Port"] = "21513",
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
        };
        var data = Path.Combine(Path.GetTempPath(), "osr-checkpoint-" + Guid.NewGuid().ToString("N"));
        settings["Osr:Data:Path"] = data;
        settings["Osr:Models:Path"] = Path.Combine(data, "models");
        if (mode == "postgres")
        {
            settings["Osr:Storage:Mode"] = "AdoNet";
            settings["Osr:Storage:ConnectionString"] = args.Length > 1 ? args[1] : throw new ArgumentException("postgres needs a connection string");
        }
        else
        {
            settings["Osr:Storage:Mode"] = "Sqlite";
        }
        var users = Option(args, "--users", 2000);
        var rounds = Option(args, "--rounds", 3);
        var parallel = Option(args, "--parallel", 8);

        using var host = OsrSiloHost.CreateBuilder([], settings).Build();
        await host.StartAsync();
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Default);
        var states = Enumerable.Range(0, users).Select(i => (Id: GrainId.Create("userstate", "bench-" + i.ToString(CultureInfo.InvariantCulture)), State: new GrainState<UserState>(SampleState()))).ToArray();
        var serializer = host.Services.GetRequiredService<global::Orleans.Serialization.Serializer>();
        var bytes = serializer.SerializeToArray(states[0].State.State!).Length;

        foreach (var (id, state) in states) await storage.WriteStateAsync("userstate", id, state); // first writes (inserts)
        var sequential = Stopwatch.StartNew();
        for (var r = 0; r < rounds; r++)
            foreach (var (id, state) in states) await storage.WriteStateAsync("userstate", id, state);
        sequential.Stop();

        var concurrent = Stopwatch.StartNew();
        for (var r = 0; r < rounds; r++)
            await Parallel.ForEachAsync(states, new ParallelOptions { MaxDegreeOfParallelism = parallel },
                async (s, _) => await storage.WriteStateAsync("userstate", s.Id, s.State));
        concurrent.Stop();

        var writes = (double)users * rounds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode}: state {bytes} B; one writer: {sequential.Elapsed.TotalMicroseconds / writes:F0} µs per checkpoint; " +
            $"{parallel} writers: {writes / concurrent.Elapsed.TotalSeconds:F0} checkpoints/s ({users} users × {rounds} rounds)"));
        await host.StopAsync();
        try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        return 0;
    }

    private static UserState SampleState()
    {
        var bank = new UserFilterBank(FilterOptions.Default);
        var noise = SensorNoiseProfiles.For("watch");
        var t = new DateTime(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc).Ticks;
        for (var i = 0; i < 50; i++)
        {
            var reading = new Reading(i, t + i * TimeSpan.TicksPerSecond, 70 + i % 5, 1.2, 80, 1.0, 52.5 + i * 1e-5, 13.4);
            bank.Apply(in reading, in noise);
        }
        var tracker = new Osr.Orleans.Models.Features.ActivityTracker();
        return new UserState
        {
            Profile = UserProfile.Default,
            Devices = [new DeviceRef("bench-watch", "watch"), new DeviceRef("bench-phone", "phone")],
            Filters = bank.Snapshot(),
            Activity = tracker.Snapshot(),
            ReadingsApplied = 50,
            LastSeq = new(StringComparer.Ordinal) { ["bench-watch"] = 49, ["bench-phone"] = 12 },
        };
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
