using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.Client.Simulation;

/// <summary>One simulated person: ids, traits and life script.</summary>
public sealed record SimUser(int Index, string UserId, UserTraits Traits, LifeScript Script)
{
    public UserProfile Profile => new(Traits.Age, Traits.TimeZoneId, Traits.Segment);
}

/// <summary>
/// The users and devices of a run, derived purely from the options and the seed: every user has a
/// watch, about half also a phone. Provisioning (profiles, registrations, secrets) is done against the
/// cluster by <see cref="ProvisionAsync"/>.
/// </summary>
public sealed class SimulationPlan
{
    private const int ProvisionConcurrency = 64;

    private SimulationPlan(IReadOnlyList<SimUser> users, IReadOnlyList<DeviceSimulator> devices)
    {
        Users = users;
        Devices = devices;
    }

    public IReadOnlyList<SimUser> Users { get; }
    public IReadOnlyList<DeviceSimulator> Devices { get; }

    public static SimulationPlan Create(SimulationOptions options)
    {
        TimeSpan? cycle = options.RealtimeDay ? null : options.Cycle ?? SimulationOptions.DefaultCycle;
        var users = new List<SimUser>(options.Users);
        var devices = new List<DeviceSimulator>(options.Users * 2);
        for (var i = 0; i < options.Users; i++)
        {
            var traits = UserTraits.Generate(options.Seed, i);
            var user = new SimUser(i, options.UserId(i), traits, new LifeScript(traits, cycle));
            users.Add(user);
            devices.Add(Device(options, user, DeviceKind.Watch));
            if (traits.HasPhone) devices.Add(Device(options, user, DeviceKind.Phone));
        }

        return new SimulationPlan(users, devices);
    }

    private static DeviceSimulator Device(SimulationOptions options, SimUser user, DeviceKind kind) =>
        new(options.DeviceId(user.Index, kind), user.UserId, kind, user.Script, SimRandom.Hash(options.Seed, (ulong)user.Index, (ulong)kind + 1));

    /// <summary>
    /// Sets every profile and registers every device (rotating its secret), <see cref="ProvisionConcurrency"/> calls at a time.
    /// With <paramref name="brokerAccounts"/> false the silo does not create the devices' broker accounts (External mode;
    /// the caller writes them into the broker's file).
    /// </summary>
    public async Task ProvisionAsync(IGrainFactory grains, CancellationToken ct, bool brokerAccounts = true)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = ProvisionConcurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(Users, parallel, async (u, _) =>
            await grains.GetGrain<IUserStateGrain>(u.UserId).SetProfileAsync(u.Profile).ConfigureAwait(false)).ConfigureAwait(false);

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Devices, parallel, async (d, _) =>
        {
            var result = await grains.GetGrain<IDeviceGrain>(d.DeviceId).RegisterAsync(d.UserId, d.KindName, skipBrokerAccount: !brokerAccounts).ConfigureAwait(false);
            if (result is { Ok: true, Secret: { } secret }) d.Secret = secret;
            else failures.Add($"{d.DeviceId}: {result.Error ?? "refused"}");
        }).ConfigureAwait(false);

        if (!failures.IsEmpty)
        {
            var sample = string.Join("; ", failures.Order(StringComparer.Ordinal).Take(5));
            throw new Cli.CliFailureException($"{failures.Count} simulated devices could not be registered (use another --prefix?): {sample}");
        }
    }

    /// <summary>
    /// Starts every device's sequence numbers after both <paramref name="floor"/> (the run's start in Unix milliseconds,
    /// as the wall-clock simulator does) and the last seq its owner's grain has seen from it, so that a replay that used
    /// more sequence numbers than milliseconds passed is not taken for duplicates by the next run.
    /// </summary>
    public async Task ContinueSequencesAsync(IGrainFactory grains, long floor, CancellationToken ct)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = ProvisionConcurrency, CancellationToken = ct };
        await Parallel.ForEachAsync(Devices, parallel, async (d, _) =>
        {
            var last = await grains.GetGrain<IUserStateGrain>(d.UserId).GetLastSeqAsync(d.DeviceId).ConfigureAwait(false);
            d.Seq = Math.Max(floor, last);
        }).ConfigureAwait(false);
    }
}
