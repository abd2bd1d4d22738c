using System.Globalization;
using Osr.Orleans.Client.Commands;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Osr.Orleans.Client.Live;

/// <summary>
/// <c>user watch U</c>: the latest state update of one user (label, filtered estimate with its uncertainty) above the
/// decisions seen since the watch started (newest first, at most <see cref="MaxDecisions"/>).
/// </summary>
public sealed class UserWatchView(string userId)
{
    public const int MaxDecisions = 10;

    private readonly List<DecisionView> _decisions = [];
    private UserWatchEvent? _latest;
    private int _updates;

    /// <summary>Takes one update: the state always, the decision too when it carries one.</summary>
    public void Apply(UserWatchEvent update)
    {
        _latest = update;
        _updates++;
        if (update.Decision is not { } decision) return;
        _decisions.Insert(0, decision);
        if (_decisions.Count > MaxDecisions) _decisions.RemoveAt(_decisions.Count - 1);
    }

    public IRenderable Render()
    {
        if (_latest is not { } s) return new Markup(Markup.Escape($"Watching {userId}: waiting for the first update… (Ctrl+C to stop)"));
        var header = new Markup(
            $"User [bold]{Markup.Escape(s.UserId)}[/]: [bold yellow]{Markup.Escape(s.Label)}[/]" +
            Markup.Escape($", {s.ReadingsApplied} readings applied, state at {Stamp(s.StateAt)}, update {_updates} at {Stamp(s.PublishedAt)} (Ctrl+C to stop)"));
        var decisions = new Table().Title("Decisions since the watch started").AddColumns("decided", "item", "outcome", "osr / threshold", "why");
        foreach (var d in _decisions)
            decisions.AddRow(Stamp(d.DecidedAt), Markup.Escape($"{d.ItemId} / {d.Category}"), Markup.Escape(UserCommands.Outcome(d)),
                Markup.Escape($"{Num(d.Osr)} / {Num(d.Threshold)}"), Markup.Escape(UserCommands.Explain(d)));
        if (_decisions.Count == 0) decisions.AddRow("—", "—", "—", "—", "none yet");
        return new Rows(header, UserCommands.EstimateTable(s.Estimate), decisions);
    }

    /// <summary>One update as a plain line (output that is not a terminal).</summary>
    public static string Line(UserWatchEvent e)
    {
        if (e.Decision is { } d)
            return $"{Stamp(e.PublishedAt)} {e.UserId} decision {UserCommands.Outcome(d)} item={d.ItemId} category={d.Category} " +
                   $"osr={Num(d.Osr)} threshold={Num(d.Threshold)} label={d.Label}" + (string.IsNullOrEmpty(d.Reason) ? "" : $" reason={d.Reason}");
        var x = e.Estimate;
        return $"{Stamp(e.PublishedAt)} {e.UserId} state label={e.Label} hr={Channel(x.Hr, "0.0")} speed={Channel(x.Speed, "0.00")} " +
               $"cadence={Channel(x.Cadence, "0")} acc={Channel(x.Acc, "0.00")} readings={e.ReadingsApplied} at={Stamp(e.StateAt)}";
    }

    private static string Channel(ChannelView c, string format) => $"{DisplayFormat.Num(c.Value, format)}±{DisplayFormat.Num(c.Std, format)}";

    private static string Num(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "—";

    private static string Stamp(DateTimeOffset? t) =>
        t is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "never";
}
