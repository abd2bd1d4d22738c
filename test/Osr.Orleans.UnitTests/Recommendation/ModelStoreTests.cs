using System.Buffers.Binary;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.UnitTests.Recommendation;

public sealed class ModelStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "osr-model-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    internal static AlsModel Model(string version = "20260101T000000Z", int users = 5, int items = 4, int rank = 3)
    {
        var rng = new Random(users * 31 + items);
        var x = Enumerable.Range(0, users * rank).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var y = Enumerable.Range(0, items * rank).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        x[0] = float.Epsilon; // subnormal survives bit-exactly
        y[^1] = -0f;
        var manifest = new ModelManifest(
            version,
            ModelManifest.AlsKind,
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            new DataWindow(new DateTimeOffset(2025, 10, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 12, 31, 23, 59, 59, TimeSpan.Zero)),
            new ModelCounts(users, items, 1234),
            AlsHyperParameters.From(new AlsOptions { Rank = rank }, "purchase lines per pair"),
            new Dictionary<string, double> { ["recall@10"] = 0.25, ["popularity.recall@10"] = 0.1 },
            12.5,
            ModelStore.CodeVersion);
        return new AlsModel(
            manifest,
            new AlsFactors(rank, users, items, x, y),
            new IdMap(Enumerable.Range(0, users).Select(u => $"user-{u}")),
            new IdMap(Enumerable.Range(0, items).Select(i => $"item-{i}")),
            Enumerable.Range(0, items).Select(i => i % 2 == 0 ? "drinks" : "").ToArray(),
            Enumerable.Range(0, items).Select(i => items - i).ToArray(),
            new Dictionary<string, int[]> { ["runners"] = [2, 0], ["lifters"] = [] });
    }

    [Fact]
    public void RoundTripIsExact()
    {
        var model = Model();
        var path = Path.Combine(_root, "v1");
        ModelStore.Save(path, model);
        var loaded = ModelStore.Load(path);

        loaded.Factors.UserFactors.Should().Equal(model.Factors.UserFactors);
        loaded.Factors.ItemFactors.Select(BitConverter.SingleToInt32Bits).Should().Equal(model.Factors.ItemFactors.Select(BitConverter.SingleToInt32Bits));
        loaded.Users.Ids.Should().Equal(model.Users.Ids);
        loaded.Items.Ids.Should().Equal(model.Items.Ids);
        loaded.ItemCategories.Should().Equal(model.ItemCategories);
        loaded.ItemCategoryIndex.Should().Equal(0, -1, 0, -1);
        loaded.ItemPopularity.Should().Equal(model.ItemPopularity);
        loaded.SegmentPopularity["runners"].Should().Equal(2, 0);
        loaded.SegmentPopularity["lifters"].Should().BeEmpty();
        loaded.Manifest.Should().BeEquivalentTo(model.Manifest);
        File.ReadAllText(Path.Combine(path, ModelStore.ManifestFileName)).Should().Contain("\"kind\": \"als\"").And.Contain("\"recall@10\": 0.25");
        new FileInfo(Path.Combine(path, ModelStore.FactorsFileName)).Length.Should().Be(FactorFile.Length(3, 5, 4));
    }

    [Fact]
    public void SavingOverAnExistingModelFails()
    {
        var path = Path.Combine(_root, "v1");
        ModelStore.Save(path, Model());
        var again = () => ModelStore.Save(path, Model());
        again.Should().Throw<IOException>().WithMessage("*already exists*");
    }

    [Fact]
    public void ListShowsCompleteModelsOldestFirstAndIgnoresHalfWrittenOnes()
    {
        ModelStore.Save(Path.Combine(_root, "b"), Model("20260102T000000Z"));
        ModelStore.Save(Path.Combine(_root, "a"), Model("20260101T000000Z"));

        // A crash mid-save leaves a hidden temp directory (complete or not) and no manifest in place.
        var temp = Path.Combine(_root, ".c.tmp-0123");
        Directory.CreateDirectory(temp);
        File.WriteAllText(Path.Combine(temp, ModelStore.ManifestFileName), File.ReadAllText(Path.Combine(_root, "a", ModelStore.ManifestFileName)));
        Directory.CreateDirectory(Path.Combine(_root, "not-a-model"));

        var listed = ModelStore.List(_root);
        listed.Select(s => Path.GetFileName(s.Path)).Should().BeEquivalentTo(["a", "b"]);
        listed.Select(s => s.Manifest.Version).Should().Equal("20260101T000000Z", "20260102T000000Z");
        ModelStore.List(Path.Combine(_root, "missing")).Should().BeEmpty();
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "truncated", "*truncated*" },
        { "header-only", "*truncated*" },
        { "magic", "*bad magic*" },
        { "version", "*unsupported factor file version 2*" },
        { "flipped-bit", "*checksum mismatch*" },
        { "trailing", "*trailing bytes*" },
        { "rank", "*corrupt header*" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFactorFilesGiveAClearError(string corruption, string message)
    {
        var path = Path.Combine(_root, "v1");
        ModelStore.Save(path, Model());
        var file = Path.Combine(path, ModelStore.FactorsFileName);
        var bytes = File.ReadAllBytes(file);
        bytes = corruption switch
        {
            "truncated" => bytes[..^9],
            "header-only" => bytes[..30],
            "magic" => [(byte)'X', .. bytes[1..]],
            "version" => WithUInt32(bytes, 8, 2),
            "flipped-bit" => Flip(bytes, 40),
            "trailing" => [.. bytes, 0],
            "rank" => WithUInt32(bytes, 12, 0),
            _ => throw new ArgumentOutOfRangeException(nameof(corruption)),
        };
        File.WriteAllBytes(file, bytes);

        var load = () => ModelStore.Load(path);
        load.Should().Throw<InvalidDataException>().WithMessage(message).Which.Message.Should().Contain("factors.bin");
    }

    [Fact]
    public void NonFiniteFactorsAreRejectedEvenWithAValidChecksum()
    {
        var model = Model();
        model.Factors.ItemFactors[2] = float.NaN;
        var path = Path.Combine(_root, "nan");
        ModelStore.Save(path, model);
        var load = () => ModelStore.Load(path);
        load.Should().Throw<InvalidDataException>().WithMessage("*non-finite item factor value at position 2*");
    }

    [Fact]
    public void InconsistentOrMalformedSideFilesGiveAClearError()
    {
        var path = Path.Combine(_root, "v1");
        ModelStore.Save(path, Model());
        var users = Path.Combine(path, ModelStore.UsersFileName);
        File.WriteAllLines(users, File.ReadAllLines(users)[..^1]);
        var load = () => ModelStore.Load(path);
        load.Should().Throw<InvalidDataException>().WithMessage("*users.tsv: 4 lines after the header, expected 5*");

        var manifest = Path.Combine(path, ModelStore.ManifestFileName);
        File.WriteAllText(manifest, "{ \"version\": ");
        load.Should().Throw<InvalidDataException>().WithMessage("*manifest.json: invalid manifest*");

        File.WriteAllText(manifest, File.ReadAllText(manifest).Length > 0 ? "{}" : "");
        load.Should().Throw<InvalidDataException>().WithMessage("*manifest.json*");
    }

    [Fact]
    public void IdsWithTabsCannotBeStored()
    {
        var model = Model();
        var bad = new AlsModel(
            model.Manifest, model.Factors, new IdMap(["a", "b\tc", "d", "e", "f"]), model.Items, model.ItemCategories, model.ItemPopularity);
        var save = () => ModelStore.Save(Path.Combine(_root, "bad"), bad);
        save.Should().Throw<ArgumentException>().WithMessage("*User id*tab*");
        Directory.Exists(Path.Combine(_root, "bad")).Should().BeFalse();
    }

    private static byte[] WithUInt32(byte[] bytes, int offset, uint value)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] Flip(byte[] bytes, int offset)
    {
        var copy = (byte[])bytes.Clone();
        copy[offset] ^= 0x10;
        return copy;
    }
}
