using System.CommandLine;
using System.Globalization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Osr.Orleans.Client.Commands;

/// <summary>
/// <c>model train</c>, <c>model list</c>, <c>model promote</c> and <c>model rollback</c>: the
/// <see cref="IModelRegistryGrain"/> (key <see cref="GrainKeys.Global"/>).
/// </summary>
public static class ModelCommands
{
    /// <summary>Model kinds the console accepts; the registry decides which of them it can train.</summary>
    internal static readonly string[] Kinds = ["als", "propensity"];

    /// <summary>Ranking metrics shown side by side with the popularity baseline, in this order.</summary>
    internal static readonly string[] MetricNames = ["recall@10", "precision@10", "ndcg@10", "map@10", "coverage@10"];

    /// <summary>Prefix of the baseline's metrics in a model's metrics (e.g. <c>popularity.recall@10</c>).</summary>
    internal const string BaselinePrefix = "popularity.";

    public static Command Create(CliServices services, GlobalOptions global)
    {
        var model = new Command("model", "Train, list, promote and roll back recommendation models");
        model.Add(CreateTrain(services, global));
        model.Add(CreateList(services, global));
        model.Add(CreatePromote(services, global));
        model.Add(CreateRollback(services, global));
        model.Add(ModelEvaluateCommand.Create(services, global));
        return model;
    }

    private static Argument<string> KindArgument() =>
        new Argument<string>("KIND") { Description = "Model kind: als or propensity", HelpName = "als|propensity" }.MustBeOneOf("model kind", Kinds);

    private static Command CreateTrain(CliServices services, GlobalOptions global)
    {
        var kind = KindArgument();
        var promoteIfBetter = new Option<bool>("--promote-if-better")
        {
            Description = "Make the new version active if its recall@10 is not worse than the active version's (within the configured tolerance)",
        };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the job (or find the one already running) and return without following it" };
        var command = new Command(
            "train",
            "Train a model version on the stored interactions and show its progress and metrics next to the popularity baseline. " +
            "Exit 0 when it succeeded, 1 when it failed.")
        { kind, promoteIfBetter, noWait };
        command.SetHandler(services, global, async ctx =>
        {
            var k = ctx.Get(kind)!;
            var promote = ctx.Get(promoteIfBetter);
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var registry = cluster.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
            var job = await cluster.Grains.GetGrain<IModelAdminGrain>(GrainKeys.Global).StartTrainingAsync(k, promote).ConfigureAwait(false);
            if (job.State == TrainingState.Running && job.PromoteIfBetter != promote)
            {
                await ctx.Error.WriteLineAsync(
                    $"a training job for {job.Kind} was already running ({job.JobId}, promote if better: {YesNo(job.PromoteIfBetter)}); following that one").ConfigureAwait(false);
            }

            if (job.State == TrainingState.Running && !ctx.Get(noWait)) job = await FollowAsync(ctx, registry, job).ConfigureAwait(false);
            return await ReportAsync(ctx, job).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateList(CliServices services, GlobalOptions global)
    {
        var command = new Command("list", "Every stored model version, newest first, with its data counts and metrics");
        command.SetHandler(services, global, async ctx =>
        {
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var versions = await cluster.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global).ListAsync().ConfigureAwait(false);
            if (ctx.Json) await JsonOutput.WriteAsync(ctx.Out, ToJson(versions), AdminJsonContext.Default.ModelVersionJsonArray).ConfigureAwait(false);
            else RenderList(ctx.Services.Console, versions);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreatePromote(CliServices services, GlobalOptions global)
    {
        var kind = KindArgument();
        var version = new Argument<string>("VERSION") { Description = "Model version (see: osr-admin model list)" }.MustBeId("model version");
        var command = new Command("promote", "Make a stored model version the active one (serving switches to it)") { kind, version };
        command.SetHandler(services, global, async ctx =>
        {
            var k = ctx.Get(kind)!;
            var v = ctx.Get(version)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var result = await cluster.Grains.GetGrain<IModelAdminGrain>(GrainKeys.Global).PromoteAsync(k, v).ConfigureAwait(false);
            return await ReportAsync(ctx, k, result).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateRollback(CliServices services, GlobalOptions global)
    {
        var kind = KindArgument();
        var command = new Command("rollback", "Re-activate the version that was active before the current one") { kind };
        command.SetHandler(services, global, async ctx =>
        {
            var k = ctx.Get(kind)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var result = await cluster.Grains.GetGrain<IModelAdminGrain>(GrainKeys.Global).RollbackAsync(k).ConfigureAwait(false);
            return await ReportAsync(ctx, k, result).ConfigureAwait(false);
        });
        return command;
    }

    // ---- train: following the job ----

    /// <summary>
    /// Polls the job every <see cref="CliServices.PollInterval"/> until it is no longer running: a live progress bar
    /// when stdout is a terminal (and not <c>--json</c>), plain progress lines on stderr otherwise.
    /// </summary>
    private static async Task<TrainingJob> FollowAsync(CommandContext ctx, IModelRegistryGrain registry, TrainingJob job)
    {
        try
        {
            if (ctx.Services.OutIsTerminal && !ctx.Json) return await FollowLiveAsync(ctx, registry, job).ConfigureAwait(false);
            return await FollowPlainAsync(ctx, registry, job).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.CancellationToken.IsCancellationRequested)
        {
            await ctx.Error.WriteLineAsync($"stopped following; training job {job.JobId} keeps running on the cluster (see: osr-admin model list)").ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<TrainingJob> FollowLiveAsync(CommandContext ctx, IModelRegistryGrain registry, TrainingJob job) =>
        await ctx.Services.Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(DisplayFormat.Progress(job)), maxValue: Math.Max(1, job.Iterations));
                void Show(TrainingJob j)
                {
                    task.MaxValue = Math.Max(1, j.Iterations);
                    task.Value = Math.Clamp(j.Iteration, 0, task.MaxValue);
                    task.Description = Markup.Escape(DisplayFormat.Progress(j));
                }

                Show(job);
                var last = await PollAsync(ctx, registry, job, Show).ConfigureAwait(false);
                if (last.State == TrainingState.Succeeded) task.Value = task.MaxValue;
                task.StopTask();
                return last;
            }).ConfigureAwait(false);

    private static async Task<TrainingJob> FollowPlainAsync(CommandContext ctx, IModelRegistryGrain registry, TrainingJob job)
    {
        var log = ctx.Error;
        var time = ctx.Services.Time;
        var start = time.GetTimestamp();
        var shown = (job.Iteration, job.Message);
        await log.WriteLineAsync($"training job {job.JobId} ({job.Kind}): {DisplayFormat.Progress(job)}").ConfigureAwait(false);
        return await PollAsync(ctx, registry, job, j =>
        {
            if (j.State != TrainingState.Running || (j.Iteration, j.Message) == shown) return;
            shown = (j.Iteration, j.Message);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{time.GetElapsedTime(start).TotalSeconds,5:0}s] {DisplayFormat.Progress(j)}"));
            log.Flush();
        }).ConfigureAwait(false);
    }

    private static async Task<TrainingJob> PollAsync(CommandContext ctx, IModelRegistryGrain registry, TrainingJob job, Action<TrainingJob> onUpdate)
    {
        while (job.State == TrainingState.Running)
        {
            await Task.Delay(ctx.Services.PollInterval, ctx.Services.Time, ctx.CancellationToken).ConfigureAwait(false);
            job = await registry.GetJobAsync(job.JobId).ConfigureAwait(false)
                ?? throw new CliFailureException($"the registry no longer knows training job {job.JobId} (did the silo restart?); see: osr-admin model list");
            onUpdate(job);
        }

        return job;
    }

    // ---- train: the outcome ----

    private static async Task<int> ReportAsync(CommandContext ctx, TrainingJob job)
    {
        if (ctx.Json) await JsonOutput.WriteAsync(ctx.Out, ToJson(job), AdminJsonContext.Default.TrainingJobJson).ConfigureAwait(false);
        else RenderJob(ctx.Services.Console, job);

        return job.State switch
        {
            TrainingState.Failed => throw new CliFailureException($"training job {job.JobId} ({job.Kind}) failed: {job.Message}"),
            _ => ExitCodes.Success,
        };
    }

    public static TrainingJobJson ToJson(TrainingJob job) => new(
        job.JobId,
        job.Kind,
        StateName(job.State),
        job.Version,
        job.Promoted,
        job.Message,
        job.Metrics is null ? null : Metrics(job.Metrics),
        job.StartedAt,
        job.FinishedAt,
        job.PromoteIfBetter,
        job.Iteration,
        job.Iterations,
        Finite(job.Loss));

    internal static string StateName(TrainingState state) => state switch
    {
        TrainingState.Running => "running",
        TrainingState.Succeeded => "succeeded",
        _ => "failed",
    };

    private static void RenderJob(IAnsiConsole console, TrainingJob job)
    {
        switch (job.State)
        {
            case TrainingState.Running:
                console.MarkupLine(Markup.Escape(
                    $"Training job {job.JobId} ({job.Kind}, promote if better: {YesNo(job.PromoteIfBetter)}) is running: {DisplayFormat.Progress(job)}."));
                console.MarkupLine(Markup.Escape("Not waiting for it; see the new version with: osr-admin model list"));
                return;
            case TrainingState.Failed:
                console.MarkupLine($"Training job {Markup.Escape(job.JobId)} ({Markup.Escape(job.Kind)}): [red]failed[/]");
                return;
        }

        var took = job.FinishedAt is { } finished ? $" in {DurationParser.Format(finished > job.StartedAt ? finished - job.StartedAt : TimeSpan.Zero)}" : "";
        console.MarkupLine(
            $"Training job {Markup.Escape(job.JobId)} ({Markup.Escape(job.Kind)}): [green]succeeded[/]{Markup.Escape(took)}, version [bold]{Markup.Escape(job.Version ?? "?")}[/]");
        if (!string.IsNullOrEmpty(job.Message)) console.MarkupLine(Markup.Escape(job.Message));

        if (job.Metrics is { Count: > 0 } metrics) console.Write(job.Kind == "propensity" ? PropensityMetricsTable(metrics, job.Version ?? job.Kind) : MetricsTable(metrics, job.Version ?? job.Kind));

        if (job.Promoted)
            console.MarkupLine($"[green]Promoted[/]: {Markup.Escape(job.Version ?? "")} is now the active {Markup.Escape(job.Kind)} model.");
        else if (job.PromoteIfBetter)
            console.MarkupLine($"[yellow]Not promoted[/] (see the reason above); the active {Markup.Escape(job.Kind)} model is unchanged.");
        else
            console.MarkupLine($"[yellow]Not promoted[/] (no --promote-if-better). Activate it with: {Markup.Escape($"osr-admin model promote {job.Kind} {job.Version}")}");
    }

    /// <summary>
    /// A propensity model's held-out metrics: AUC (0.5 = no better than chance) and log-loss next to the
    /// constant base rate's (<c>baseline.logloss</c>), then any others.
    /// </summary>
    private static Table PropensityMetricsTable(Dictionary<string, double> metrics, string model)
    {
        var table = new Table().Title("Metrics (held-out decisions, newest 20 %)")
            .AddColumns(new TableColumn("metric"), new TableColumn(Markup.Escape(model)).RightAligned(), new TableColumn("base rate").RightAligned());
        table.AddRow("auc", metrics.TryGetValue("auc", out var auc) ? Metric(auc) : "—", Metric(0.5));
        table.AddRow("logloss", metrics.TryGetValue("logloss", out var ll) ? Metric(ll) : "—",
            metrics.TryGetValue("baseline.logloss", out var bl) ? Metric(bl) : "—");
        foreach (var name in metrics.Keys.Where(k => k is not ("auc" or "logloss" or "baseline.logloss")).Order(StringComparer.Ordinal))
            table.AddRow(Markup.Escape(name), Metric(metrics[name]), "—");
        return table;
    }

    /// <summary>The known ranking metrics (then any others) of the model next to the popularity baseline's.</summary>
    private static Table MetricsTable(Dictionary<string, double> metrics, string model)
    {
        var table = new Table().Title("Metrics (held-out interactions)").AddColumns(new TableColumn("metric"), new TableColumn(Markup.Escape(model)).RightAligned(), new TableColumn("popularity").RightAligned());
        var others = metrics.Keys
            .Where(k => !k.StartsWith(BaselinePrefix, StringComparison.Ordinal) && Array.IndexOf(MetricNames, k) < 0)
            .Order(StringComparer.Ordinal);
        foreach (var name in MetricNames.Concat(others))
        {
            var hasModel = metrics.TryGetValue(name, out var value);
            var hasBaseline = metrics.TryGetValue(BaselinePrefix + name, out var baseline);
            if (hasModel || hasBaseline) table.AddRow(Markup.Escape(name), hasModel ? Metric(value) : "—", hasBaseline ? Metric(baseline) : "—");
        }

        return table;
    }

    // ---- list ----

    public static ModelVersionJson[] ToJson(ModelVersionView[] versions) =>
        [.. versions.Select(v => new ModelVersionJson(v.Kind, v.Version, v.Active, v.CreatedAt, Metrics(v.Metrics), v.Users, v.Items, v.Interactions))];

    private static void RenderList(IAnsiConsole console, ModelVersionView[] versions)
    {
        if (versions.Length == 0)
        {
            console.MarkupLine(Markup.Escape("No model versions yet; train one with: osr-admin model train als --promote-if-better"));
            return;
        }

        var table = new Table().Title("Model versions (newest first)")
            .AddColumns(new TableColumn("kind"), new TableColumn("version").NoWrap(), new TableColumn("active").Centered(), new TableColumn("created (UTC)"),
                new TableColumn("users / items / rows").RightAligned(), new TableColumn("recall@10 | auc").RightAligned(),
                new TableColumn("ndcg@10").RightAligned(), new TableColumn("popularity recall@10").RightAligned());
        foreach (var v in versions)
        {
            table.AddRow(
                Markup.Escape(v.Kind),
                v.Active ? $"[bold]{Markup.Escape(v.Version)}[/]" : Markup.Escape(v.Version),
                v.Active ? "[green]✓[/]" : "",
                Created(v),
                string.Create(CultureInfo.InvariantCulture, $"{v.Users:N0} / {v.Items:N0} / {v.Interactions:N0}"),
                v.Kind == "propensity" ? MetricOf(v.Metrics, "auc") : MetricOf(v.Metrics, "recall@10"),
                MetricOf(v.Metrics, "ndcg@10"),
                MetricOf(v.Metrics, BaselinePrefix + "recall@10"));
        }

        // Eight columns need about 106 characters; a narrower terminal would break the numbers, so it gets three lines per version.
        if (((IRenderable)table).Measure(RenderOptions.Create(console), int.MaxValue).Min <= console.Profile.Width)
        {
            console.Write(table);
        }
        else
        {
            console.MarkupLine("[bold]Model versions (newest first)[/]");
            foreach (var v in versions)
            {
                console.MarkupLine($"{Markup.Escape(v.Kind)} [bold]{Markup.Escape(v.Version)}[/]{(v.Active ? " [green]✓ active[/]" : "")}");
                console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"  created {Created(v)} UTC, {v.Users:N0} users, {v.Items:N0} items, {v.Interactions:N0} interactions")));
                console.MarkupLine(Markup.Escape(
                    $"  recall@10 {MetricOf(v.Metrics, "recall@10")}, ndcg@10 {MetricOf(v.Metrics, "ndcg@10")}, popularity recall@10 {MetricOf(v.Metrics, BaselinePrefix + "recall@10")}"));
            }
        }

        if (!versions.Any(v => v.Active)) console.MarkupLine("[yellow]No version is active[/]: activate one with osr-admin model promote KIND VERSION");
    }

    private static string Created(ModelVersionView v) => v.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    // ---- promote / rollback ----

    /// <summary>Ok: the message (or JSON) on stdout, exit 0. Refused: the registry's message on stderr, exit 2 (nothing changed).</summary>
    private static async Task<int> ReportAsync(CommandContext ctx, string kind, RegistryResult result)
    {
        if (!result.Ok)
        {
            var active = result.ActiveVersion is { } a ? $" (active {kind} version: {a})" : "";
            throw new CliInputException($"{result.Message}{active}; nothing was changed");
        }

        if (ctx.Json)
        {
            await JsonOutput.WriteAsync(ctx.Out, new RegistryResultJson(true, kind, result.ActiveVersion, result.Message), AdminJsonContext.Default.RegistryResultJson)
                .ConfigureAwait(false);
        }
        else
        {
            ctx.Services.Console.MarkupLine(Markup.Escape(result.Message));
        }

        return ExitCodes.Success;
    }

    // ---- helpers ----

    private static Dictionary<string, double?> Metrics(Dictionary<string, double> metrics)
    {
        var result = new Dictionary<string, double?>(metrics.Count, StringComparer.Ordinal);
        foreach (var (name, value) in metrics) result[name] = Finite(value);
        return result;
    }

    private static string MetricOf(Dictionary<string, double> metrics, string name) =>
        metrics.TryGetValue(name, out var value) ? Metric(value) : "—";

    private static string Metric(double value) => DisplayFormat.Num(value, "0.0000");

    /// <summary>JSON has no NaN or ∞; an unknown value is null.</summary>
    private static double? Finite(double? v) => v is { } x && double.IsFinite(x) ? x : null;

    private static string YesNo(bool value) => value ? "yes" : "no";
}
