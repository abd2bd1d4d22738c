using System.Globalization;
using Osr.Orleans.Client.Simulation;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.Benchmarks.Recommendation;

/// <summary>
/// <c>propensity-planted MODELS_DIR [COUNT]</c>: trains a propensity model on COUNT decisions drawn from the simulator's
/// planted world (<see cref="PlantedReceptivity"/>) and stores it in <c>MODELS_DIR/propensity/</c>, for the backtest's
/// "informed model" arm (docs/benchmarks.md): what the OSR policy does once propensity knows the world. Promote it with
/// <c>osr-admin model promote propensity VERSION</c>.
/// </summary>
public static class PlantedPropensity
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: propensity-planted MODELS_DIR [COUNT]");
            return 2;
        }
        var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        var version = "p-planted-" + count.ToString(CultureInfo.InvariantCulture);
        var model = PropensityTrainer.Train(PlantedReceptivity.Generate(count, 7, 0), PlantedReceptivity.Categories, version, DateTimeOffset.UtcNow);
        PropensityStore.Save(Path.Combine(args[1], "propensity", version), model);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{version}: auc {model.Manifest.Metrics["auc"]:F3}, log-loss {model.Manifest.Metrics["logloss"]:F4}"));
        return 0;
    }
}
