using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Output;
using Osr.Orleans.Grains.Interfaces;
using Spectre.Console;

namespace Osr.Orleans.Client.Commands;

/// <summary>
/// <c>model evaluate propensity VERSION [--promote-if-better]</c>: off-policy estimates of conversion
/// per push for a propensity version and for the active one, from the decision log
/// (<see cref="IModelRegistryGrain.EvaluatePropensityAsync"/>; docs/notifications.md "Off-policy evaluation").
/// Exit 0 when evaluated, 2 for an unknown kind or version (nothing changed), 1 when the log cannot be evaluated.
/// </summary>
public static class ModelEvaluateCommand
{
    public static Command Create(CliServices services, GlobalOptions global)
    {
        var kind = new Argument<string>("KIND") { Description = "Model kind (only propensity can be evaluated off-policy)", HelpName = "propensity" }
            .MustBeOneOf("model kind for evaluate", "propensity");
        var version = new Argument<string>("VERSION") { Description = "Propensity version (see: osr-admin model list), or prior" }.MustBeId("model version");
        var promoteIfBetter = new Option<bool>("--promote-if-better")
        {
            Description = "Make VERSION active when its doubly-robust 95 % lower bound beats the active version's doubly-robust estimate",
        };
        var command = new Command(
            "evaluate",
            "Estimate from the decision log (IPS, self-normalised IPS, doubly robust; 95 % intervals; effective sample size) " +
            "how a propensity version's push policy would convert per push, next to the active version's")
        { kind, version, promoteIfBetter };
        command.SetHandler(services, global, async ctx =>
        {
            var v = ctx.Get(version)!;
            await using var cluster = await ctx.ConnectAsync().ConfigureAwait(false);
            var result = await cluster.Grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global)
                .EvaluatePropensityAsync(v, ctx.Get(promoteIfBetter)).ConfigureAwait(false);
            if (!result.Ok)
            {
                if (result.BadInput) throw new CliInputException($"{result.Message}; nothing was changed");
                throw new CliFailureException($"{result.Message}; nothing was changed");
            }

            if (ctx.Json) await JsonOutput.WriteAsync(ctx.Out, ToJson(result), EvaluationJsonContext.Default.EvaluationJson).ConfigureAwait(false);
            else Render(ctx.Services.Console, result);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static EvaluationJson ToJson(PropensityEvaluation e) => new(
        e.Ok, e.Message, e.Decisions, e.LoggedPushes, e.LoggedConversions,
        e.LoggedPushes > 0 ? (double)e.LoggedConversions / e.LoggedPushes : null, e.ExploreFloor,
        Policy(e.Candidate), Policy(e.Active), e.Promoted, e.ActiveVersion);

    private static PolicyJson? Policy(PolicyValueView? p) => p is null ? null : new(
        p.Version, p.PushRate, Estimate(p.Ips), Estimate(p.SelfNormalizedIps), Estimate(p.DoublyRobust), p.EffectiveSampleSize);

    private static OpeEstimateJson Estimate(OpeEstimateView e) => new(Finite(e.Value), Finite(e.StandardError), Finite(e.Lower), Finite(e.Upper));

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static void Render(IAnsiConsole console, PropensityEvaluation e)
    {
        var observed = e.LoggedPushes > 0 ? (double)e.LoggedConversions / e.LoggedPushes : double.NaN;
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Conversion per push, estimated from {e.Decisions:N0} logged decisions ({e.LoggedPushes:N0} pushes, {e.LoggedConversions:N0} converted: {observed:0.0000} as logged).")));
        var table = new Table()
            .AddColumns(new TableColumn("version"), new TableColumn("estimator"), new TableColumn("conversion/push").RightAligned(),
                new TableColumn("95 % interval").RightAligned(), new TableColumn("se").RightAligned(), new TableColumn("ESS").RightAligned());
        foreach (var (role, p) in new[] { ("candidate", e.Candidate), ("active", e.Active) })
        {
            if (p is null) continue;
            var name = $"{p.Version} ({role})";
            foreach (var (estimator, est) in new[] { ("IPS", p.Ips), ("SNIPS", p.SelfNormalizedIps), ("DR", p.DoublyRobust) })
            {
                table.AddRow(Markup.Escape(estimator == "IPS" ? name : ""), estimator, Num(est.Value), Markup.Escape($"[{Num(est.Lower)}, {Num(est.Upper)}]"), Num(est.StandardError),
                    estimator == "IPS" ? p.EffectiveSampleSize.ToString("N0", CultureInfo.InvariantCulture) : "");
            }
        }

        console.Write(table);
        console.MarkupLine(Markup.Escape(e.Message));
        if (e.Promoted) console.MarkupLine($"[green]Promoted[/]: {Markup.Escape(e.ActiveVersion ?? "")} is now the active propensity model.");
    }

    private static string Num(double v) => double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "—";
}

/// <summary><c>model evaluate --json</c>: the log's counts, each version's estimates (conversion per push), and whether it was promoted.</summary>
public sealed record EvaluationJson(
    bool Ok,
    string Message,
    int Decisions,
    int LoggedPushes,
    int LoggedConversions,
    double? LoggedConversionPerPush,
    double ExploreFloor,
    PolicyJson? Candidate,
    PolicyJson? Active,
    bool Promoted,
    string? ActiveVersion);

/// <summary>One version's push policy: its pushes per decision, three estimates of conversion per push and the effective sample size.</summary>
public sealed record PolicyJson(string Version, double PushRate, OpeEstimateJson Ips, OpeEstimateJson Snips, OpeEstimateJson Dr, double EffectiveSampleSize);

/// <summary>A point estimate with its standard error and 95 % interval (null when not a finite number).</summary>
public sealed record OpeEstimateJson(double? Value, double? StandardError, double? Lower, double? Upper);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true)]
[JsonSerializable(typeof(EvaluationJson))]
public sealed partial class EvaluationJsonContext : JsonSerializerContext;
