using System.Globalization;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

using Osr.Orleans.Client.Output;

namespace Osr.Orleans.Client.Simulation;

/// <summary>
/// <c>--watch</c>: a live table refreshed every second with, per user (at most <see cref="MaxUsers"/>), the
/// simulated truth (phase) next to what the cluster made of it (label, filtered HR ± σ, speed, cadence,
/// time since the label last changed), read with <see cref="IUserStateGrain.GetSnapshotAsync"/>. With several brokers
/// (<paramref name="fleet"/> and the users' <paramref name="watches"/>), a column shows the broker each watch is connected
/// to now (— while it reconnects), so a silo failure and the move of its devices show live.
/// </summary>
public sealed class WatchView(IGrainFactory grains, IReadOnlyList<SimUser> users, SimulationStats stats, TimeProvider time, long startTimestamp,
    NotificationListener? notifications = null, MqttFleet? fleet = null, IReadOnlyDictionary<string, DeviceSimulator>? watches = null)
{
    public const int MaxUsers = 20;

    public async Task RunAsync(IAnsiConsole console, CancellationToken ct)
    {
        var shown = users.Take(MaxUsers).ToArray();
        await console.Live(new Text("connecting…")).AutoClear(false).StartAsync(async live =>
        {
            while (!ct.IsCancellationRequested)
            {
                var snapshots = await Task.WhenAll(shown.Select(u => SnapshotAsync(u.UserId))).ConfigureAwait(false);
                live.UpdateTarget(Render(shown, snapshots));
                live.Refresh();
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }).ConfigureAwait(false);
    }

    private async Task<UserSnapshot?> SnapshotAsync(string userId)
    {
        try
        {
            return await grains.GetGrain<IUserStateGrain>(userId).GetSnapshotAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            return null;   // a slow or failing grain call must not stop the view
        }
    }

    private Table Render(SimUser[] shown, UserSnapshot?[] snapshots)
    {
        var now = time.GetUtcNow();
        var table = new Table()
            .AddColumns(new TableColumn("user").NoWrap(), new TableColumn("simulated").NoWrap(), new TableColumn("label").NoWrap())
            .AddColumns("since", "hr ± σ", "speed", "cadence", "readings");
        var showBroker = fleet is { Brokers.Count: > 1 } && watches is not null;
        if (showBroker) table.AddColumn(new TableColumn("broker").NoWrap());
        if (notifications is not null) table.AddColumn(new TableColumn("last push").NoWrap());
        for (var i = 0; i < shown.Length; i++)
        {
            var s = snapshots[i];
            var truth = shown[i].Script.Sample(now);
            var cells = new List<string>(9)
            {
                Markup.Escape(shown[i].UserId),
                Markup.Escape(Phase(truth.Phase)),
                s is null ? "[red]?[/]" : $"[bold]{Markup.Escape(s.Label)}[/]",
                s?.LabelSince is { } since ? DisplayFormat.Ago(now - since) : "—",
                s is null ? "—" : $"{DisplayFormat.Num(s.Estimate.Hr.Value, "0")} ± {DisplayFormat.Num(s.Estimate.Hr.Std, "0.0")}",
                s is null ? "—" : DisplayFormat.Num(s.Estimate.Speed.Value, "0.00"),
                s is null ? "—" : DisplayFormat.Num(s.Estimate.Cadence.Value, "0"),
                s?.ReadingsApplied.ToString(CultureInfo.InvariantCulture) ?? "—",
            };
            if (showBroker) cells.Add(Broker(watches!.GetValueOrDefault(shown[i].UserId)));
            if (notifications is not null) cells.Add(LastPush(notifications.Latest(shown[i].UserId)));
            table.AddRow([.. cells]);
        }

        var elapsed = time.GetElapsedTime(startTimestamp).TotalSeconds;
        var h = stats.LatencyMicros;
        var reconnects = stats.Reconnects == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
            $"reconnects {stats.Reconnects:N0} (to another broker {stats.Failovers:N0})  sent again {stats.Resent:N0}  ");
        table.Caption(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{elapsed:0}s  published {stats.Published:N0}  acked {stats.Acked:N0}  refused {stats.Refused:N0}  errors {stats.ErrorsReceived:N0}  " +
            $"{reconnects}" +
            $"{(elapsed > 0 ? stats.ReadingsAcked / elapsed : 0):N0} readings/s  p50 {h.ValueAtPercentile(50) / 1000.0:0.0} ms  p99 {h.ValueAtPercentile(99) / 1000.0:0.0} ms{(notifications is null ? "" : "  notifications " + notifications.Received.ToString("N0", CultureInfo.InvariantCulture))}")));
        return table;
    }

    /// <summary>The broker cell: the port of the watch's broker while it is connected (the host too when the brokers differ in host), else —.</summary>
    private string Broker(DeviceSimulator? watch)
    {
        if (watch is null || !watch.IsConnected) return "[yellow]—[/]";
        var brokers = fleet!.Brokers;
        var endpoint = brokers[watch.Broker];
        var sameHost = brokers.All(b => b.Address.Equals(brokers[0].Address));
        return Markup.Escape(sameHost ? ":" + endpoint.Port.ToString(CultureInfo.InvariantCulture) : endpoint.ToString());
    }

    /// <summary>The last-push cell: <c>→ drinks-03 (0.91)</c> (item and OSR score), or — before the first one.</summary>
    internal static string LastPush(ReceivedNotification? n) => n is null
        ? "—"
        : Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"→ {n.ItemId} ({(double.IsFinite(n.Osr) ? n.Osr.ToString("0.00", CultureInfo.InvariantCulture) : "?")})"));

    internal static string Phase(LifePhase phase) => phase switch
    {
        LifePhase.Sleep => "sleep",
        LifePhase.Rest => "rest",
        LifePhase.Commute => "commute",
        LifePhase.Desk => "desk",
        LifePhase.WarmUp => "warm-up",
        LifePhase.Workout => "workout",
        _ => "recovery",
    };
}
