using System.CommandLine;
using System.Globalization;
using System.Net;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Client.Commands;

/// <summary><c>simulate</c>: simulated users and devices over real MQTT (docs/simulator.md).</summary>
public static class SimulateCommand
{
    public const int MaxUsers = 200_000;
    public const int MaxPrefixLength = 40;

    public static Command Create(CliServices services, GlobalOptions global)
    {
        var users = Validation.IntOption("--users", "Number of simulated users (each has a watch, about half also a phone)", 10, 1, MaxUsers);
        var rate = Validation.PositiveOption("--rate", "Aggregate readings per second over all devices (default: 1 per device per second)", 10_000_000);
        var duration = Validation.DurationOption("--duration", "How long to publish (default: until Ctrl+C)");
        var batch = Validation.IntOption("--batch", "Readings per MQTT message", 1, 1, SimulationOptions.MaxReadingsPerMessage);
        var cycle = Validation.DurationOption("--cycle", "Length of a compressed day: rest → commute → desk → warm-up → workout → recovery → rest (default 6m)",
            TimeSpan.FromSeconds(30), TimeSpan.FromDays(7));
        var realtime = new Option<bool>("--realtime-day") { Description = "Follow each user's local clock instead of a compressed cycle" };
        var watch = new Option<bool>("--watch") { Description = "Live table of up to 20 users (label, hr ± σ, speed, cadence, last change), refreshed every second" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the synthetic population and sensor noise", DefaultValueFactory = _ => 1 };
        var prefix = new Option<string>("--prefix") { Description = "Prefix of the simulated user and device ids", DefaultValueFactory = _ => "sim" }
            .MustBeId("prefix");
        prefix.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { Length: > MaxPrefixLength }) r.AddError($"--prefix must be at most {MaxPrefixLength} characters");
        });
        var mqtt = new Option<EndpointParser.HostPort?>("--mqtt")
        {
            Description = "MQTT broker (default 127.0.0.1 and Osr:Mqtt:Port, else 1883)",
            HelpName = "HOST:PORT",
            CustomParser = r =>
            {
                if (EndpointParser.TryParse(r.Tokens.Count > 0 ? r.Tokens[0].Value : null, out var endpoint, out var error)) return endpoint;
                r.AddError($"--mqtt: {error}");
                return null;
            },
        };
        var localAddresses = new Option<IPAddress[]>("--local-addresses")
        {
            Description = "Comma-separated source addresses for device sockets (e.g. 127.0.0.1,127.0.0.2) to exceed ~28k connections",
            HelpName = "IP,IP,…",
            CustomParser = r =>
            {
                var result = new List<IPAddress>();
                foreach (var token in r.Tokens)
                {
                    foreach (var part in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (IPAddress.TryParse(part, out var ip)) result.Add(ip);
                        else r.AddError($"--local-addresses: '{part}' is not an IP address");
                    }
                }

                if (result.Count == 0 && r.Tokens.Count > 0) r.AddError("--local-addresses: no address given");
                return [.. result];
            },
        };
        var concurrency = Validation.IntOption("--connect-concurrency", "MQTT connections opened in parallel", 100, 1, 10_000);
        var noProvision = new Option<bool>("--no-provision")
        {
            Description = $"Do not connect to the cluster or register devices; every device logs in with the password '{SimulationOptions.UnprovisionedSecret}' (for a broker that accepts any credentials, e.g. the bare-broker benchmark)",
        };
        var warmup = Validation.DurationOption("--warmup", "Publish this long before the measured --duration; the summary covers only the measured window",
            TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var latencyFrom = new Option<string>("--latency-from")
        {
            Description = "Start of the latency clock: 'send' (just before PublishAsync) or 'intended' (the pacing tick at which the message was due: counts waits in the simulator, no coordinated omission)",
            DefaultValueFactory = _ => "send",
        };
        latencyFrom.AcceptOnlyFromAmong("send", "intended");

        var command = new Command("simulate", "Simulated users and devices publishing readings over real MQTT, with PUBACK latency")
        {
            users, rate, duration, batch, cycle, realtime, watch, seed, prefix, mqtt, localAddresses, concurrency,
            noProvision, warmup, latencyFrom,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(cycle) is not null && r.GetValue(realtime)) r.AddError("--cycle and --realtime-day cannot be combined");
            if (r.GetValue(watch) && r.GetValue(noProvision)) r.AddError("--watch needs the cluster and cannot be combined with --no-provision");
        });

        command.SetHandler(services, global, ctx =>
        {
            var options = new SimulationOptions
            {
                Users = ctx.Get(users),
                Rate = ctx.Get(rate),
                Duration = ctx.Get(duration),
                Batch = ctx.Get(batch),
                Cycle = ctx.Get(realtime) ? null : ctx.Get(cycle) ?? SimulationOptions.DefaultCycle,
                RealtimeDay = ctx.Get(realtime),
                Watch = ctx.Get(watch),
                Seed = ctx.Get(seed),
                Prefix = ctx.Get(prefix) ?? "sim",
                Mqtt = ctx.Get(mqtt) ?? DefaultBroker(ctx.Services),
                LocalAddresses = ctx.Get(localAddresses) ?? [],
                ConnectConcurrency = ctx.Get(concurrency),
                Json = ctx.Json,
                Provision = !ctx.Get(noProvision),
                Warmup = ctx.Get(warmup),
                LatencyFromIntended = ctx.Get(latencyFrom) == "intended",
            };
            if (!GrainKeys.IsValidId(options.DeviceId(options.Users - 1, DeviceKind.Phone)))
                throw new CliInputException($"--prefix '{options.Prefix}' makes device ids longer than {GrainKeys.MaxIdLength} characters");
            return SimulationRunner.RunAsync(ctx, options);
        });
        return command;
    }

    private static EndpointParser.HostPort DefaultBroker(CliServices services)
    {
        var configured = services.Configuration["Osr:Mqtt:Port"];
        var port = int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : 1883;
        return new EndpointParser.HostPort("127.0.0.1", port);
    }
}
