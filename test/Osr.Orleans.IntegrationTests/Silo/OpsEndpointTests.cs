using System.Net;
using System.Text.RegularExpressions;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Users;

namespace Osr.Orleans.IntegrationTests.Silo;

/// <summary>
/// A real silo process that has been through a push (docs/contract.md "Operations"): a device streamed, a push was
/// decided and sent, its user answered it and a bad reading was refused. It exports its traces to an
/// <see cref="OtlpReceiver"/> and writes JSON console logs.
/// </summary>
public sealed class OpsScenario : IAsyncLifetime
{
    internal OtlpReceiver Traces { get; private set; } = null!;

    internal SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Traces = await OtlpReceiver.StartAsync();
        var settings = DecisionScenario.SiloSettings();
        settings["Osr:Ops:Otlp:Endpoint"] = $"http://127.0.0.1:{Traces.Port}";
        settings["Logging:Console:FormatterName"] = "json";
        Silo = new SiloProcess("ops", settings);
        await Silo.StartAsync();
        (await OpsEndpointTests.GetAsync(Silo, "/health/live")).Status.Should().Be(HttpStatusCode.OK);
        await Poll.UntilAsync(async () => (await OpsEndpointTests.GetAsync(Silo, "/health/ready")).Status == HttpStatusCode.OK, "the silo reports ready");

        await using var cluster = await AdminConnection.ConnectAsync(Silo.GatewayPort);
        var grains = cluster.Grains;
        await DecisionScenario.SeedAsync(grains, Silo.ModelsPath, "ops-u1");
        await grains.GetGrain<IUserStateGrain>("ops-u1").SetProfileAsync(new UserProfile(30, "Europe/Amsterdam", "runners"));
        var secret = (await grains.GetGrain<IDeviceGrain>("ops-w1").RegisterAsync("ops-u1", "watch")).Secret!;
        await using var watch = await DeviceClient.ConnectAsync(Silo.MqttPort, "ops-w1", secret);
        await watch.SubscribeAsync("osr/v1/users/ops-u1/notifications");
        await DecisionScenario.PublishWorkoutAsync(watch, DecisionScenario.Local(2026, 11, 18, 17, 0));
        var (_, payload) = await watch.NextAsync(TimeSpan.FromSeconds(30));
        NotificationId = System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("notificationId").GetString()!;
        await watch.PublishAsync("osr/v1/devices/ops-w1/events",
            $$"""{"type":"feedback","notificationId":"{{NotificationId}}","action":"opened","ts":"{{DecisionScenario.Iso(DecisionScenario.Local(2026, 11, 18, 18, 40))}}"}""");
        await watch.PublishAsync("osr/v1/devices/ops-w1/readings", """[{"seq":100000,"ts":"2026-11-18T17:40:00Z","hr":900}]""");
    }

    public string NotificationId { get; private set; } = "";

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Traces.DisposeAsync();
    }
}

/// <summary>
/// The ops HTTP port of a real silo process (docs/contract.md "Operations"): the health probes answer as the silo's
/// state says; a Prometheus text-format parse of <c>/metrics</c> finds the contract's metric names; the Orleans
/// Dashboard shows the silo; one trace follows a push from the ingress to the device; console logs are JSON when asked.
/// </summary>
public sealed partial class OpsEndpointTests(OpsScenario scenario) : IClassFixture<OpsScenario>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task MetricsCarryTheContractNamesAfterReadingsADecisionAPushAndFeedback()
    {
        var silo = scenario.Silo;
        // Observable counters are read at each scrape; the histograms hold what was recorded.
        var families = await Poll.ForAsync(async () => Families((await GetAsync(silo, "/metrics")).Body),
            f => f.ContainsKey("osr_notifications_total") && f.ContainsKey("osr_readings_rejected_total"),
            "the feedback and the rejected reading are counted");
        families.Keys.Should().Contain(["osr_readings_accepted_total", "osr_readings_rejected_total", "osr_ingest_lag_seconds",
            "osr_decisions_total", "osr_notifications_total", "osr_push_latency_seconds", "osr_webhook_outbox_depth"]);
        families["osr_readings_rejected_total"].Should().Contain(l => l.Contains("reason=", StringComparison.Ordinal));
        families["osr_decisions_total"].Should().Contain(l => l.Contains("outcome=\"sent\"", StringComparison.Ordinal) && l.Contains("reason=", StringComparison.Ordinal));
        families["osr_notifications_total"].Should().Contain(l => l.Contains("event=\"opened\"", StringComparison.Ordinal));
        families["osr_push_latency_seconds"].Should().Contain(l => l.Contains("channel=\"mqtt\"", StringComparison.Ordinal));
        families.Keys.Should().Contain(k => k.StartsWith("orleans_", StringComparison.Ordinal), "Orleans' own meters are exported");
        families.Keys.Should().Contain(k => k.StartsWith("dotnet_", StringComparison.Ordinal), "the runtime's meters are exported");
    }

    [Fact]
    public async Task TheDashboardShowsThisSiloActiveAndItsGrainTypes()
    {
        var silo = scenario.Silo;
        var page = await GetAsync(silo, "/dashboard/");
        page.Status.Should().Be(HttpStatusCode.OK);
        page.Body.Should().Contain("<html", "the dashboard's page is served");

        var counters = await Poll.ForAsync(async () => (await GetAsync(silo, "/dashboard/DashboardCounters")).Body,
            body => body.Contains($":{silo.SiloPort}@", StringComparison.Ordinal), "the dashboard lists this silo");
        using var json = System.Text.Json.JsonDocument.Parse(counters);
        json.RootElement.GetProperty("hosts").EnumerateArray()
            .Should().Contain(h => h.GetProperty("siloAddress").GetString()!.Contains($":{silo.SiloPort}@", StringComparison.Ordinal)
                && h.GetProperty("status").GetString() == "Active");
        (await GetAsync(silo, "/dashboard/GrainTypes")).Body.Should().Contain("UserStateGrain");
    }

    [Fact]
    public async Task OneTraceFollowsAPushThroughScoringTheThrottleAndDelivery()
    {
        // The exporter sends in batches (every 5 s by default).
        var push = await Poll.ForAsync(() => Task.FromResult(scenario.Traces.Spans.FirstOrDefault(s => s.Name == OsrTracing.Push)),
            s => s.Name is not null, "the push span is exported", TimeSpan.FromSeconds(30));
        var trace = scenario.Traces.Spans.Where(s => s.TraceId == push.TraceId).ToList();
        var names = trace.Select(s => s.Name).ToList();
        names.Should().Contain([OsrTracing.Score, OsrTracing.Decide, OsrTracing.Push]);

        // Each span's parent is in the same trace: one chain from the message to the push.
        var ids = trace.ToDictionary(s => s.SpanId);
        var chain = new List<string>();
        for (var s = push; ; s = ids[s.ParentSpanId])
        {
            chain.Add(s.Name);
            if (s.ParentSpanId.Length == 0 || !ids.ContainsKey(s.ParentSpanId)) break;
        }
        chain.Should().ContainInOrder(OsrTracing.Push, OsrTracing.Decide, OsrTracing.Score, "IUserStateGrain/IngestAsync");
        chain[^1].Should().Be(OsrTracing.Ingest, "the root is the ingress taking the device's message");
    }

    [Fact]
    public void ConsoleLogsAreOneJsonObjectPerLineWhenAsked()
    {
        var lines = scenario.Silo.Output.Split('\n').Where(l => l.StartsWith('{')).ToList();
        lines.Should().NotBeEmpty(scenario.Silo.Output);
        foreach (var line in lines)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            json.RootElement.TryGetProperty("Category", out _).Should().BeTrue(line);
            json.RootElement.TryGetProperty("LogLevel", out _).Should().BeTrue(line);
        }
        lines.Should().Contain(l => l.Contains("Ops HTTP on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReadyFollowsTheDatabaseWhileLiveStaysUp()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync("ops");
        await using var silo = new SiloProcess("ops-pg", new Dictionary<string, string?>
        {
            ["Osr:Storage:Mode"] = "AdoNet",
            ["Osr:Storage:ConnectionString"] = connectionString,
            ["Osr:Cluster:Mode"] = "AdoNet",
        });
        await silo.StartAsync(TimeSpan.FromSeconds(90));
        await Poll.UntilAsync(async () => (await GetAsync(silo, "/health/ready")).Status == HttpStatusCode.OK, "the silo reports ready");

        await postgres.StopAsync();
        var down = await Poll.ForAsync(() => GetAsync(silo, "/health/ready"), r => r.Status == HttpStatusCode.ServiceUnavailable,
            "ready turns to 503 while PostgreSQL is down");
        down.Body.Should().Contain("Unhealthy");
        (await GetAsync(silo, "/health/live")).Status.Should().Be(HttpStatusCode.OK, "the process itself is fine");

        await postgres.RestartAsync();
        await Poll.UntilAsync(async () => (await GetAsync(silo, "/health/ready")).Status == HttpStatusCode.OK, "ready again once PostgreSQL is back",
            TimeSpan.FromSeconds(60));
        silo.IsRunning.Should().BeTrue();
    }

    [Fact]
    public async Task AnOpsPortInUseStopsTheSiloWithExitCode2NamingTheKey()
    {
        using var occupied = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        await using var silo = new SiloProcess("ops-busy", new Dictionary<string, string?> { ["Osr:Ops:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        silo.Start();
        var code = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        code.Should().Be(2, silo.Output);
        silo.Output.Should().Contain($"invalid configuration: Osr:Ops:Port {port} on 127.0.0.1 cannot be opened");
    }

    internal static async Task<(HttpStatusCode Status, string Body)> GetAsync(SiloProcess silo, string path)
    {
        using var response = await Http.GetAsync(new Uri($"http://127.0.0.1:{silo.OpsPort}{path}"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Prometheus text format: metric family (histograms without their _bucket/_sum/_count suffix) → its sample lines.</summary>
    private static Dictionary<string, List<string>> Families(string text)
    {
        var families = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var match = SampleLine().Match(line);
            match.Success.Should().BeTrue($"'{line}' is a Prometheus sample line");
            var name = HistogramSuffix().Replace(match.Groups["name"].Value, "");
            if (!families.TryGetValue(name, out var lines)) families[name] = lines = [];
            lines.Add(line);
        }
        return families;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([-+0-9.eE]+|NaN|[+-]Inf)( -?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();
}
