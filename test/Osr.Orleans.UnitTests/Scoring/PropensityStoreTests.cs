using Osr.Orleans.Client.Simulation;
using System.Text.Json.Nodes;
using Osr.Orleans.Models.Scoring;

namespace Osr.Orleans.UnitTests.Scoring;

public sealed class PropensityStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "osr-propensity-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void RoundTripScoresIdentically()
    {
        var model = ScoringTestKit.Trained;
        var path = Path.Combine(_root, model.Version);
        PropensityStore.Save(path, model);

        File.Exists(Path.Combine(path, "manifest.json")).Should().BeTrue();
        File.Exists(Path.Combine(path, "model.zip")).Should().BeTrue();
        PropensityStore.IsPropensity(path).Should().BeTrue();
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(path, "manifest.json")))!;
        json["kind"]!.GetValue<string>().Should().Be("propensity");
        json["plattA"].Should().NotBeNull();
        json["metrics"]!["auc.train"].Should().NotBeNull();

        var loaded = PropensityStore.Load(path);
        loaded.Version.Should().Be(model.Version);
        loaded.Manifest.Weights.Should().Equal(model.Manifest.Weights);
        loaded.Manifest.Metrics.Should().Equal(model.Manifest.Metrics);
        loaded.Manifest.Categories.Should().Equal(model.Manifest.Categories);
        loaded.Manifest.CreatedAt.Should().Be(model.Manifest.CreatedAt);
        loaded.MlNetModel.Should().Equal(model.MlNetModel);
        foreach (var example in PlantedReceptivity.Generate(200, seed: 21, ScoringTestKit.Start))
        {
            loaded.Score(example.Input).Should().Be(model.Score(example.Input));
        }
    }

    [Fact]
    public void PriorRoundTripsWithoutModelZip()
    {
        var path = Path.Combine(_root, "prior");
        PropensityStore.Save(path, PropensityModel.Prior);
        File.Exists(Path.Combine(path, "model.zip")).Should().BeFalse();
        var loaded = PropensityStore.Load(path);
        loaded.IsPrior.Should().BeTrue();
        loaded.Score(default).Should().Be(0.5);
    }

    [Fact]
    public void CorruptManifestIsInvalidData()
    {
        var path = SaveCopy("corrupt");
        File.WriteAllText(Path.Combine(path, "manifest.json"), "{ \"kind\": \"propensity\", ");
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage("*manifest.json: invalid manifest*");
        PropensityStore.IsPropensity(path).Should().BeFalse();

        File.WriteAllText(Path.Combine(path, "manifest.json"), "null");
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>().WithMessage("*manifest is empty*");

        File.Delete(Path.Combine(path, "manifest.json"));
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>().WithMessage("*manifest is missing*");
    }

    [Fact]
    public void TruncatedWeightsAreInvalidData()
    {
        var path = SaveCopy("truncated");
        EditManifest(path, json => json["weights"]!.AsArray().RemoveAt(json["weights"]!.AsArray().Count - 1));
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage("*manifest.json*116 weights, but 6 categories need 117*");

        var cut = SaveCopy("cut");
        var file = Path.Combine(cut, "manifest.json");
        var text = File.ReadAllText(file);
        File.WriteAllText(file, text[..(text.IndexOf("\"weights\"", StringComparison.Ordinal) + 40)]);
        FluentActions.Invoking(() => PropensityStore.Load(cut)).Should().Throw<InvalidDataException>().WithMessage("*invalid manifest*");
    }

    [Fact]
    public void DimensionMismatchIsInvalidData()
    {
        var path = SaveCopy("mismatch");
        EditManifest(path, json => json["categories"]!.AsArray().Add("sleep"));
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>()
            .WithMessage("*117 weights, but 7 categories need 129*");
    }

    [Fact]
    public void WrongKindMissingFieldsAndBadValuesAreInvalidData()
    {
        var path = SaveCopy("kind");
        EditManifest(path, json => json["kind"] = "als");
        PropensityStore.IsPropensity(path).Should().BeFalse();
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>().WithMessage("*kind 'als'*");

        path = SaveCopy("missing");
        EditManifest(path, json => json.AsObject().Remove("bias"));
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>().WithMessage("*invalid manifest*bias*");

        path = SaveCopy("null-weights");
        EditManifest(path, json => json["weights"] = null);
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>().WithMessage("*invalid manifest*");

        path = SaveCopy("format");
        EditManifest(path, json => json["formatVersion"] = 99);
        FluentActions.Invoking(() => PropensityStore.Load(path)).Should().Throw<InvalidDataException>().WithMessage("*format version 99*");
    }

    [Fact]
    public void SaveIsAtomic()
    {
        var path = Path.Combine(_root, "atomic");
        var act = () => PropensityStore.Save(path, ScoringTestKit.Trained, beforeCommit: temp =>
        {
            File.Exists(Path.Combine(temp, "manifest.json")).Should().BeTrue();
            throw new IOException("disk full (injected)");
        });

        act.Should().Throw<IOException>().WithMessage("disk full (injected)");
        Directory.Exists(path).Should().BeFalse();
        Directory.EnumerateFileSystemEntries(_root).Should().BeEmpty("the temp directory is removed");
    }

    [Fact]
    public void SaveRefusesAnExistingDirectory()
    {
        var path = SaveCopy("exists");
        var before = File.ReadAllText(Path.Combine(path, "manifest.json"));
        FluentActions.Invoking(() => PropensityStore.Save(path, PropensityModel.Prior)).Should().Throw<IOException>().WithMessage("*already exists*");
        File.ReadAllText(Path.Combine(path, "manifest.json")).Should().Be(before);
        PropensityStore.IsPropensity(Path.Combine(_root, "nothing-here")).Should().BeFalse();
    }

    private string SaveCopy(string name)
    {
        var path = Path.Combine(_root, name);
        PropensityStore.Save(path, ScoringTestKit.Trained);
        return path;
    }

    private static void EditManifest(string path, Action<JsonNode> edit)
    {
        var file = Path.Combine(path, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(file))!;
        edit(json);
        File.WriteAllText(file, json.ToJsonString());
    }
}
