using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Osr.Orleans.Models.Time;
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

    /// <summary>Most simulated days one <c>--clock event</c> run replays.</summary>
    public const int MaxDays = 60;

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
        var mqtt = new Option<EndpointParser.HostPort[]>("--mqtt")
        {
            Description = "MQTT broker(s), comma-separated: devices are spread over them and move to another when theirs fails (default 127.0.0.1 and Osr:Mqtt:Port, else 1883)",
            HelpName = "HOST:PORT[,HOST:PORT…]",
            CustomParser = r => ParseBrokers(r),
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
        var brokerFile = new Option<string?>("--broker-file")
        {
            Description = "External mode, large fleets: register the devices without creating their broker accounts one by one, write the accounts into this Mosquitto dynamic-security file (stop the broker first), then wait until the restarted broker accepts them",
        };
        var brokerWait = Validation.DurationOption("--broker-wait", "With --broker-file: how long to wait for the restarted broker to accept the written accounts (default 10m)",
            TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        var warmup = Validation.DurationOption("--warmup", "Publish this long before the measured --duration; the summary covers only the measured window",
            TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var latencyFrom = new Option<string>("--latency-from")
        {
            Description = "Start of the latency clock: 'send' (just before PublishAsync) or 'intended' (the pacing tick at which the message was due: counts waits in the simulator, no coordinated omission)",
            DefaultValueFactory = _ => "send",
        };
        latencyFrom.AcceptOnlyFromAmong("send", "intended");
        var latencySamples = new Option<string?>("--latency-samples")
        {
            Description = "Also write every latency of the measured window to FILE, one per line: microseconds, a tab, and the send time it is measured from in Unix ms (needs --duration)",
            HelpName = "FILE",
        };
        var pushesFile = new Option<string?>("--pushes")
        {
            Description = "With --clock event: also write every push to FILE as CSV (user, item, category, time, label at decision, true label, local hour, OSR, " +
                "the world's P(accept) then and at state-blind times, opened, converted)",
            HelpName = "FILE",
        };
        var clock = new Option<string>("--clock")
        {
            Description = "wall: publish readings stamped with the wall clock, in real time (default). event: a backtest that replays --days of " +
                "simulated time from --start in lockstep, as fast as the silo goes, and compares the pushes with state-blind timing. " +
                "--clock event needs a silo started with --Osr:Clock=Event (and, for full speed, --Osr:Ingest:MaxReadingsPerSecond=100000 --Osr:Ingest:Burst=1000000)",
            HelpName = "wall|event",
            DefaultValueFactory = _ => "wall",
        };
        clock.AcceptOnlyFromAmong("wall", "event");
        var days = Validation.IntOption("--days", "With --clock event: days of simulated time to replay", 1, 1, MaxDays);
        var start = new Option<DateTimeOffset?>("--start")
        {
            Description = "With --clock event: where simulated time begins, RFC 3339 (default 2026-11-02T00:00:00Z)",
            HelpName = "RFC3339",
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[0].Value : null;
                if (Rfc3339.TryParse(text, out var value)) return value;
                r.AddError($"--start must be an RFC 3339 date-time with an offset, e.g. 2026-11-02T00:00:00Z, not '{text}'");
                return null;
            },
        };
        var step = Validation.DurationOption("--step", "With --clock event: simulated time published before waiting for the notifications it triggered (default 15m)",
            TimeSpan.FromMinutes(1), TimeSpan.FromHours(6));
        var interval = Validation.DurationOption("--interval", "With --clock event: simulated time between two readings of a device (default 30s)",
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        var noCatalog = new Option<bool>("--no-catalog")
        {
            Description = "Do not import the demo catalogue into an empty cluster nor train an ALS model when none is active",
        };
        var noFeedback = new Option<bool>("--no-feedback")
        {
            Description = "Count received notifications but do not answer them with delivered/opened/converted/dismissed feedback",
        };

        var command = new Command("simulate", "Simulated users and devices publishing readings over real MQTT, with PUBACK latency; with --clock event, a backtest over simulated days")
        {
            users, rate, duration, batch, cycle, realtime, watch, seed, prefix, mqtt, localAddresses, concurrency,
            noProvision, brokerFile, brokerWait, warmup, latencyFrom, latencySamples, clock, days, start, step, interval, noCatalog, noFeedback, pushesFile,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(cycle) is not null && r.GetValue(realtime)) r.AddError("--cycle and --realtime-day cannot be combined");
            if (r.GetValue(watch) && r.GetValue(noProvision)) r.AddError("--watch needs the cluster and cannot be combined with --no-provision");
            if (r.GetValue(noProvision) && r.GetResult(brokerFile) is { Implicit: false }) r.AddError("--broker-file writes the accounts of registered devices and cannot be combined with --no-provision");
            if (r.GetResult(brokerWait) is { Implicit: false } && r.GetResult(brokerFile) is not { Implicit: false }) r.AddError("--broker-wait needs --broker-file");
            if (r.GetResult(latencySamples) is { Implicit: false } && r.GetResult(duration) is not { Implicit: false })
                r.AddError("--latency-samples needs --duration (the samples are kept in memory until the run ends)");
            static bool Given(OptionResult? o) => o is { Implicit: false };
            // The raw token: a bad --clock value is reported by the option itself (GetValue would throw here).
            var clockToken = r.GetResult(clock) is { Implicit: false, Tokens.Count: > 0 } c ? c.Tokens[0].Value : "wall";
            if (clockToken == "event")
            {
                var wallOnly = new (Option Option, string Why)[]
                {
                    (rate, "the readings' pace is --interval of simulated time"),
                    (realtime, "simulated users always live real-time days"),
                    (cycle, "simulated users live real-time days, not compressed cycles"),
                    (duration, "the run lasts --days of simulated time"),
                    (batch, "messages carry up to 300 readings of one device"),
                    (warmup, "there is no measured window"),
                    (latencyFrom, "it measures decisions, not latency"),
                    (latencySamples, "it measures decisions, not latency"),
                    (watch, "the live table follows the wall clock"),
                    (noProvision, "it needs the cluster"),
                    (brokerFile, "a backtest's few devices get their broker accounts from the silo"),
                };
                foreach (var (option, why) in wallOnly)
                    if (Given(r.GetResult(option))) r.AddError($"--clock event cannot be combined with {option.Name}: {why}");
            }
            else if (clockToken == "wall")
            {
                foreach (var option in new Option[] { days, start, step, interval, pushesFile })
                    if (Given(r.GetResult(option))) r.AddError($"{option.Name} needs --clock event (a replay of simulated days)");
                if (r.GetValue(noProvision) && Given(r.GetResult(noCatalog))) r.AddError("--no-catalog has no effect with --no-provision (no cluster connection)");
            }
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
                Brokers = ctx.Get(mqtt) is { Length: > 0 } brokers ? brokers : [DefaultBroker(ctx.Services)],
                LocalAddresses = ctx.Get(localAddresses) ?? [],
                ConnectConcurrency = ctx.Get(concurrency),
                Json = ctx.Json,
                Provision = !ctx.Get(noProvision),
                BrokerFile = ctx.Get(brokerFile),
                BrokerWait = ctx.Get(brokerWait) ?? TimeSpan.FromMinutes(10),
                Warmup = ctx.Get(warmup),
                LatencyFromIntended = ctx.Get(latencyFrom) == "intended",
                LatencySamplesPath = ctx.Get(latencySamples),
                Clock = ctx.Get(clock) == "event" ? SimulationClock.Event : SimulationClock.Wall,
                Days = ctx.Get(days),
                Start = ctx.Get(start) ?? SimulationOptions.DefaultStart,
                Step = ctx.Get(step) ?? TimeSpan.FromMinutes(15),
                Interval = ctx.Get(interval) ?? TimeSpan.FromSeconds(30),
                Catalog = !ctx.Get(noCatalog),
                Feedback = !ctx.Get(noFeedback),
                PushesPath = ctx.Get(pushesFile),
            };
            if (!GrainKeys.IsValidId(options.DeviceId(options.Users - 1, DeviceKind.Phone)))
                throw new CliInputException($"--prefix '{options.Prefix}' makes device ids longer than {GrainKeys.MaxIdLength} characters");
            if (options.Clock == SimulationClock.Event)
                return BacktestRunner.RunAsync(ctx, options with { RealtimeDay = true, Cycle = null, Batch = SimulationOptions.MaxReadingsPerMessage });
            return SimulationRunner.RunAsync(ctx, options);
        });
        return command;
    }

    /// <summary>
    /// <c>--mqtt</c>: one or more <c>HOST:PORT</c>, comma-separated (the option may also be repeated); each at most once,
    /// at most <see cref="SimulationOptions.MaxBrokers"/>.
    /// </summary>
    private static EndpointParser.HostPort[] ParseBrokers(ArgumentResult r)
    {
        var result = new List<EndpointParser.HostPort>();
        foreach (var token in r.Tokens)
        {
            foreach (var part in token.Value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!EndpointParser.TryParse(part, out var endpoint, out var error))
                {
                    r.AddError($"--mqtt: {error}");
                    return [];
                }

                if (result.Contains(endpoint))
                {
                    r.AddError($"--mqtt: {endpoint} is listed twice");
                    return [];
                }

                result.Add(endpoint);
            }
        }

        if (result.Count > SimulationOptions.MaxBrokers) r.AddError($"--mqtt: at most {SimulationOptions.MaxBrokers} brokers");
        return [.. result];
    }

    private static EndpointParser.HostPort DefaultBroker(CliServices services)
    {
        var configured = services.Configuration["Osr:Mqtt:Port"];
        var port = int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536 ? p : 1883;
        return new EndpointParser.HostPort("127.0.0.1", port);
    }
}
