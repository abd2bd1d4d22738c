using System.CommandLine;
using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Rules;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary>
/// <c>rules show</c> and <c>rules set KEY VALUE [--category C | --segment S | --user U | --item I]</c>: the
/// notification rules of <see cref="IRulesGrain"/> (key <see cref="GrainKeys.Global"/>). A change is validated here
/// first with the rules' own validator (<see cref="RuleSet.TryApply"/> on <see cref="RuleSet.Defaults"/>), so bad input
/// never reaches the cluster; the grain validates again against the current set (cross-key checks such as quiet
/// hours) and its refusal is bad input too (exit 2, nothing changed).
/// </summary>
public static class RulesCommands
{
    /// <summary>Longest VALUE the console sends (the rules accept less; this keeps a pasted blob off the wire).</summary>
    internal const int MaxValueLength = 200;

    /// <summary>Longest category or segment name (as in the items and users CSVs).</summary>
    internal const int MaxNameLength = 64;

    public static Command Create(CliServices services, GlobalOptions global)
    {
        var rules = new Command("rules", "Show and tune the notification rules (thresholds, gaps, caps, quiet hours, opt-outs)");
        rules.Add(CreateShow(services, global));
        rules.Add(CreateSet(services, global));
        return rules;
    }

    private static Command CreateShow(CliServices services, GlobalOptions global)
    {
        var command = new Command("show", "The rule set version, the defaults and every override by key and scope");
        command.SetHandler(services, global, async ctx =>
        {
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var set = await cluster.Grains.GetGrain<IRulesGrain>(GrainKeys.Global).GetAsync().ConfigureAwait(false);
            var json = ToJson(set);
            if (ctx.Json) await JsonOutput.WriteAsync(ctx.Out, json, AdminJsonContext.Default.RulesShowJson).ConfigureAwait(false);
            else RenderShow(ctx.Services.Console, json);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateSet(CliServices services, GlobalOptions global)
    {
        var key = new Argument<string>("KEY") { Description = $"Rule key: {string.Join(", ", RuleKeys.All)}" };
        var value = new Argument<string>("VALUE")
        {
            Description = "The value: a number (osr.threshold 0.8), a whole number (cap.day 2), a duration (gap.similar 6h), a time (quiet.start 22:00), " +
                "optout all|mqtt|webhook|none (--user) or on|off (--user with --category); \"default\" removes the override",
        };
        var user = new Option<string>("--user") { Description = "Only for this user (with --item: this user and item; with --category: this user and category)", HelpName = "U" }
            .MustBeId("user id");
        var item = new Option<string>("--item") { Description = "Only for this item", HelpName = "I" }.MustBeId("item id");
        var category = NameOption("--category", "Only for items of this category", "C", "category");
        var segment = NameOption("--segment", "Only for users of this segment", "S", "segment");

        var command = new Command(
            "set",
            "Change one rule, globally or for a category, segment, user, item, user+item or user+category (optout). " +
            "Validated before anything is sent; exit 2 and nothing changed when the value or scope is refused.")
        { key, value, user, item, category, segment };
        command.SetHandler(services, global, async ctx =>
        {
            var change = Validate(ctx.Get(key)!, ctx.Get(value)!, ctx.Get(user), ctx.Get(item), ctx.Get(category), ctx.Get(segment), ctx.Services.Time.GetUtcNow());

            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var result = await cluster.Grains.GetGrain<IRulesGrain>(GrainKeys.Global).SetAsync(change.Key, change.Scope, change.Value).ConfigureAwait(false);
            if (!result.Ok) throw new CliInputException($"{OneLine(result.Message)}; nothing was changed");

            if (ctx.Json)
            {
                var json = new RuleChangeJson(result.Version, change.Key, ScopeKind(change.Scope.Kind), change.Shown,
                    change.Scope.User, change.Scope.Item, change.Scope.Category, change.Scope.Segment);
                await JsonOutput.WriteAsync(ctx.Out, json, AdminJsonContext.Default.RuleChangeJson).ConfigureAwait(false);
            }
            else
            {
                ctx.Services.Console.MarkupLine(Markup.Escape(Describe(result.Version, change)));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// A change as it will be sent: the canonical key, the scope, the value as typed (the grain normalises it again) and
    /// the value as it will be stored (<see cref="Shown"/>: normalised, e.g. <c>0.8</c>, <c>6h</c>; the typed word when it
    /// removes an override).
    /// </summary>
    internal readonly record struct RuleChange(string Key, RuleScope Scope, string Value, string Shown);

    /// <summary>
    /// Checks a change without the cluster: scope flags, value size, then the rules' validator applied to the defaults.
    /// A failure of the quiet-hours cross-check alone (start = end) is left to the grain, which knows the current set.
    /// </summary>
    /// <exception cref="CliInputException">The change is refused; the message says why, on one line.</exception>
    internal static RuleChange Validate(string key, string value, string? user, string? item, string? category, string? segment, DateTimeOffset now)
    {
        if (!RuleScope.TryFrom(user, item, category, segment, out var scope, out var scopeError)) throw new CliInputException(OneLine(scopeError));
        if (value.Length > MaxValueLength)
            throw new CliInputException($"{Shorten(key)}: the value is {value.Length.ToString(CultureInfo.InvariantCulture)} characters long; at most {MaxValueLength} are allowed");

        var canonical = Canonical(key);
        if (!TryApplyToDefaults(canonical ?? key, scope, value, now, out var next, out var error)) throw new CliInputException(OneLine(error));

        // TryApply succeeded, so the key is known.
        var stored = next.Entries.FirstOrDefault(e => e.Key == canonical && e.Scope == scope)?.Value;
        return new RuleChange(canonical!, scope, value, stored ?? value.Trim());
    }

    /// <summary>
    /// <see cref="RuleSet.TryApply"/> on <see cref="RuleSet.Defaults"/>. For quiet.start / quiet.end the other end is first
    /// moved an hour away at the same scope, so the default of the other end does not refuse a value that the current
    /// set (which only the grain knows) accepts.
    /// </summary>
    private static bool TryApplyToDefaults(string key, RuleScope scope, string value, DateTimeOffset now, out RuleSet next, out string error)
    {
        var start = RuleSet.Defaults;
        if (key is RuleKeys.QuietStart or RuleKeys.QuietEnd && RuleValues.TryParseTime(value, out var time))
        {
            var other = key == RuleKeys.QuietStart ? RuleKeys.QuietEnd : RuleKeys.QuietStart;
            if (start.TryApply(other, scope, RuleValues.FormatTime(time.AddHours(1)), now, out var moved, out _)) start = moved;
        }

        return start.TryApply(key, scope, value, now, out next, out error);
    }

    /// <summary>The key as <see cref="RuleKeys.All"/> spells it (the rules accept any case and surrounding spaces), or null.</summary>
    private static string? Canonical(string key)
    {
        var trimmed = key.Trim();
        foreach (var k in RuleKeys.All)
            if (string.Equals(k, trimmed, StringComparison.OrdinalIgnoreCase)) return k;
        return null;
    }

    /// <summary><c>rules v7: osr.threshold = 0.8 (category drinks)</c>.</summary>
    internal static string Describe(long version, RuleChange change) =>
        string.Create(CultureInfo.InvariantCulture, $"rules v{version}: {change.Key} = {change.Shown} ({change.Scope})");

    // ---- show ----

    public static RulesShowJson ToJson(RuleSet set)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in RuleKeys.All) defaults[key] = RuleKeys.DefaultValueOf(key) ?? "";

        var overrides = (set.Entries ?? [])
            .Where(e => e is not null)
            .OrderBy(e => KeyOrder(e.Key))
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .ThenBy(e => e.Scope.Kind)
            .ThenBy(e => e.Scope.User, StringComparer.Ordinal)
            .ThenBy(e => e.Scope.Item, StringComparer.Ordinal)
            .ThenBy(e => e.Scope.Category, StringComparer.Ordinal)
            .ThenBy(e => e.Scope.Segment, StringComparer.Ordinal)
            .Select(e => new RuleOverrideJson(e.Key, ScopeKind(e.Scope.Kind), e.Scope.User, e.Scope.Item, e.Scope.Category, e.Scope.Segment, e.Value));

        return new RulesShowJson(set.Version, set.ChangedAt == DateTimeOffset.MinValue ? null : set.ChangedAt, defaults, [.. overrides]);
    }

    /// <summary>global, segment, category, item, user, user+item, user+category.</summary>
    internal static string ScopeKind(RuleScopeKind kind) => kind switch
    {
        RuleScopeKind.Global => "global",
        RuleScopeKind.Segment => "segment",
        RuleScopeKind.Category => "category",
        RuleScopeKind.Item => "item",
        RuleScopeKind.User => "user",
        RuleScopeKind.UserItem => "user+item",
        RuleScopeKind.UserCategory => "user+category",
        _ => ((byte)kind).ToString(CultureInfo.InvariantCulture),
    };

    private static int KeyOrder(string key)
    {
        var all = RuleKeys.All;
        for (var i = 0; i < all.Count; i++)
            if (string.Equals(all[i], key, StringComparison.Ordinal)) return i;
        return all.Count;
    }

    private static void RenderShow(IAnsiConsole console, RulesShowJson rules)
    {
        var changed = rules.ChangedAt is { } at ? $"changed {at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}" : "never changed";
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"Rules v{rules.Version}, {changed}, {rules.Overrides.Length} override(s)")));

        var counts = rules.Overrides.GroupBy(o => o.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var defaults = new Table().Title("Defaults").AddColumns(new TableColumn("key"), new TableColumn("default"), new TableColumn("overrides").RightAligned());
        foreach (var (key, value) in rules.Defaults)
            defaults.AddRow(Markup.Escape(key), Markup.Escape(value), counts.GetValueOrDefault(key).ToString(CultureInfo.InvariantCulture));
        console.Write(defaults);

        if (rules.Overrides.Length == 0)
        {
            console.MarkupLine(Markup.Escape("No overrides: every rule is at its default. Change one with: osr-admin rules set KEY VALUE [--category C | --segment S | --user U | --item I]"));
            return;
        }

        var overrides = new Table().Title("Overrides (most specific wins: user+item > user > item > category > segment > global)")
            .AddColumns(new TableColumn("key"), new TableColumn("scope"), new TableColumn("value"), new TableColumn("default"));
        string? previous = null;
        foreach (var o in rules.Overrides)
        {
            var first = !string.Equals(o.Key, previous, StringComparison.Ordinal);
            previous = o.Key;
            overrides.AddRow(
                first ? Markup.Escape(o.Key) : "",
                Markup.Escape(DescribeScope(o)),
                Markup.Escape(o.Value),
                first ? Markup.Escape(rules.Defaults.GetValueOrDefault(o.Key) ?? "") : "");
        }

        console.Write(overrides);
    }

    private static string DescribeScope(RuleOverrideJson o) =>
        new RuleScope(o.Scope switch
        {
            "segment" => RuleScopeKind.Segment,
            "category" => RuleScopeKind.Category,
            "item" => RuleScopeKind.Item,
            "user" => RuleScopeKind.User,
            "user+item" => RuleScopeKind.UserItem,
            "user+category" => RuleScopeKind.UserCategory,
            _ => RuleScopeKind.Global,
        }, o.User, o.Item, o.Category, o.Segment).ToString();

    // ---- helpers ----

    /// <summary>A category or segment option: 1–64 characters, no control characters, no surrounding spaces (a parse error otherwise).</summary>
    private static Option<string> NameOption(string name, string description, string helpName, string what)
    {
        var option = new Option<string>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is null) return;
            if (value.Length is 0 or > MaxNameLength || value.Any(char.IsControl) || char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
                result.AddError($"{name}: {what} '{Shorten(value)}' must be 1–{MaxNameLength} characters without control characters or surrounding spaces");
        });
        return option;
    }

    /// <summary>A message on one line (a refusal from the cluster is echoed as it came).</summary>
    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Shorten(string text)
    {
        var clean = new string([.. text.Take(40).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > 40 ? clean + "…" : clean;
    }
}
