using Osr.Orleans.Grains.Storage;

namespace Osr.Orleans.IntegrationTests.Storage;

/// <summary><see cref="IModelFileStore"/>, the same tests on the embedded directories and on PostgreSQL.</summary>
public abstract class ModelFileStoreTests<TBackend> : StoreSuite<TBackend> where TBackend : IStoreBackend, new()
{
    protected override string Prefix => "models";

    private IModelFileStore Store => Stores.ModelFiles;

    [Fact]
    public async Task AVersionsFilesAreReadBackByteForByteAfterAReopen()
    {
        var factors = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(factors);
        var files = new Dictionary<string, byte[]>
        {
            ["factors.bin"] = factors,
            ["manifest.json"] = "{\"version\":\"20261101T000000Z\"}"u8.ToArray(),
            ["empty.tsv"] = [],
        };

        await Store.SaveAsync("als", "20261101T000000Z", files);
        await ReopenAsync();
        var read = await Store.ReadAsync("als", "20261101T000000Z");

        read.Should().NotBeNull();
        read!.Keys.Should().BeEquivalentTo(files.Keys);
        foreach (var (name, content) in files) read[name].Should().Equal(content, name);
    }

    [Fact]
    public async Task VersionsAreListedPerKindInOrderAndAnUnknownVersionReadsAsNull()
    {
        await Store.SaveAsync("als", "v2", new Dictionary<string, byte[]> { ["a"] = [2] });
        await Store.SaveAsync("als", "v1", new Dictionary<string, byte[]> { ["a"] = [1] });
        await Store.SaveAsync("propensity", "p1", new Dictionary<string, byte[]> { ["w"] = [9] });

        (await Store.ListVersionsAsync("als")).Should().Equal("v1", "v2");
        (await Store.ListVersionsAsync("propensity")).Should().Equal("p1");
        (await Store.ListVersionsAsync("nothing")).Should().BeEmpty();
        (await Store.ReadAsync("als", "v9")).Should().BeNull();
    }

    [Fact]
    public async Task AStoredVersionIsNeverChangedBySavingItAgain()
    {
        await Store.SaveAsync("als", "v1", new Dictionary<string, byte[]> { ["a"] = [1], ["b"] = [1] });
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Store.SaveAsync("als", "v1", new Dictionary<string, byte[]> { ["a"] = [(byte)(10 + i)] })));

        var read = await Store.ReadAsync("als", "v1");

        read!.Keys.Should().BeEquivalentTo("a", "b");
        read["a"].Should().Equal(1);
    }

    [Fact]
    public async Task ADeletedVersionIsNeitherListedNorReadAndOtherVersionsStay()
    {
        await Store.SaveAsync("als", "v1", new Dictionary<string, byte[]> { ["a"] = [1], ["b"] = [2] });
        await Store.SaveAsync("als", "v2", new Dictionary<string, byte[]> { ["a"] = [3] });
        await Store.SaveAsync("propensity", "v1", new Dictionary<string, byte[]> { ["w"] = [4] });

        (await Store.DeleteAsync("als", "v1")).Should().BeTrue();
        (await Store.DeleteAsync("als", "v1")).Should().BeFalse("it is gone already");
        await ReopenAsync();

        (await Store.ListVersionsAsync("als")).Should().Equal("v2");
        (await Store.ReadAsync("als", "v1")).Should().BeNull();
        (await Store.ReadAsync("als", "v2"))!["a"].Should().Equal(3);
        (await Store.ReadAsync("propensity", "v1"))!["w"].Should().Equal([(byte)4], "the same name under another kind is another version");
        await Store.SaveAsync("als", "v1", new Dictionary<string, byte[]> { ["c"] = [5] });
        (await Store.ReadAsync("als", "v1"))!.Keys.Should().Equal("c");
    }

    [Fact]
    public async Task APointerIsReplacedAsAWholeAndSurvivesAReopen()
    {
        (await Store.ReadPointerAsync("als")).Should().BeNull();

        await Store.WritePointerAsync("als", "{\"active\":\"v1\"}"u8.ToArray());
        await Store.WritePointerAsync("als", "{\"active\":\"v2\",\"history\":[\"v1\"]}"u8.ToArray());
        await Store.WritePointerAsync("propensity", "{}"u8.ToArray());
        await ReopenAsync();

        (await Store.ReadPointerAsync("als")).Should().Equal("{\"active\":\"v2\",\"history\":[\"v1\"]}"u8.ToArray());
        (await Store.ReadPointerAsync("propensity")).Should().Equal("{}"u8.ToArray());
    }
}

public sealed class FileSystemModelFileStoreTests : ModelFileStoreTests<SqliteBackend>
{
    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("")]
    public async Task AVersionThatIsNotAPlainNameIsRefused(string version)
    {
        var save = () => Stores.ModelFiles.SaveAsync("als", version, new Dictionary<string, byte[]> { ["a"] = [1] });

        await save.Should().ThrowAsync<ArgumentException>();
    }
}

public sealed class PostgreSqlModelFileStoreTests : ModelFileStoreTests<PostgreSqlBackend>;
