using System.Text;
using System.Text.Json;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Csv;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.IntegrationTests.Client;

public class CatalogImportCommandTests
{
    private const string InteractionsHeader = "userId,itemId,action,ts\n";

    private static string Interactions(int rows) =>
        InteractionsHeader + string.Concat(Enumerable.Range(1, rows).Select(i => $"u{i % 7},i{i},view,2026-11-23T18:{i % 60:00}:11Z\n"));

    /// <summary>Human output with Spectre's line wrapping (80 columns in tests) undone.</summary>
    private static string Flat(StringWriter writer) => writer.ToString().ReplaceLineEndings(" ");

    private static (TestCli Cli, FakeCatalogConnection Connection) WithFakeCluster()
    {
        var cli = new TestCli();
        var connection = new FakeCatalogConnection(new FakeCatalogGrain());
        cli.Clusters.Connection = connection.Cluster;
        return (cli, connection);
    }

    // ---- items import ----

    [Fact]
    public async Task ItemsImportSendsAllItemsInOneCall()
    {
        using var files = new TempFiles();
        var path = files.Write("itemId,kind,category,tags\nprog-17,program,strength,legs;power\ndrink-3,product,drinks,\n");
        var (cli, connection) = WithFakeCluster();

        var exit = await cli.RunAsync("items", "import", path, "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        var call = connection.Catalog.ItemCalls.Should().ContainSingle().Subject;
        call.Select(i => (i.ItemId, i.Kind, i.Category)).Should().Equal(("prog-17", ItemKind.Program, "strength"), ("drink-3", ItemKind.Product, "drinks"));
        call[0].Tags.Should().Equal("legs", "power");
        JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("imported").GetInt32().Should().Be(2);
        connection.Disposed.Should().Be(1);
    }

    [Fact]
    public async Task ItemsImportPrintsTheCount()
    {
        using var files = new TempFiles();
        var path = files.Write("itemId,kind,category\nu-7,user,coaches\n");
        var (cli, _) = WithFakeCluster();

        (await cli.RunAsync("items", "import", path)).Should().Be(ExitCodes.Success);

        Flat(cli.Out).Should().Contain("Imported 1 items");
    }

    [Fact]
    public async Task BadItemsFileReportsLinesAndConnectsNowhere()
    {
        using var files = new TempFiles();
        var path = files.Write("itemId,kind,category,tags\ni1,program,strength,\ni1,program,strength,\ni3,gadget,x,\ni4,post,,\n");
        var cli = new TestCli();

        var exit = await cli.RunAsync("items", "import", path);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        var errors = cli.Error.ToString();
        errors.Should().Contain($"{path}: line 3: item 'i1' is listed twice (first on line 2)")
            .And.Contain($"{path}: line 4: kind 'gadget'")
            .And.Contain($"{path}: line 5: category is empty")
            .And.Contain("3 problems; nothing was imported");
        cli.Out.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task ItemsImportListsAtMostTwentyProblemsAndCountsTheRest()
    {
        using var files = new TempFiles();
        var path = files.Write("itemId,kind,category\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"i{i},gadget,x\n")));
        var cli = new TestCli();

        var exit = await cli.RunAsync("items", "import", path);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        var errors = cli.Error.ToString();
        errors.Should().Contain("line 21:").And.NotContain("line 22:").And.Contain("… and 10 more").And.Contain("30 problems; nothing was imported");
    }

    [Fact]
    public async Task GzippedItemsFileIsAccepted()
    {
        using var files = new TempFiles();
        var path = files.WriteBytes(CatalogRowValidationTests.Gzip("itemId,kind,category,tags\np1,post,news,\n"), ".csv.gz");
        var (cli, connection) = WithFakeCluster();

        (await cli.RunAsync("items", "import", path)).Should().Be(ExitCodes.Success, cli.Error.ToString());

        connection.Catalog.ItemCalls.Single().Single().ItemId.Should().Be("p1");
    }

    [Fact]
    public async Task ItemsImportFailureIsExitOne()
    {
        using var files = new TempFiles();
        var path = files.Write("itemId,kind,category\np1,post,news\n");
        var cli = new TestCli();

        var exit = await cli.RunAsync("items", "import", path);

        exit.Should().Be(ExitCodes.Failure);
        cli.Clusters.Calls.Should().ContainSingle();
    }

    // ---- hostile input, both commands ----

    public static TheoryData<string, byte[], string> HostileFiles() => new()
    {
        { "interactions", [.. "userId,itemId,action,ts\nu1,i1,view,2026-11-23T18:02:11Z\n"u8, 0x00, 0x01, 0x02], "line 3: binary data" },
        { "interactions", [.. "userId,itemId,action,ts\nu1,i1,vi"u8, 0xC3, 0x28, .. ",2026-11-23T18:02:11Z\n"u8], "line 2: invalid UTF-8" },
        { "interactions", "deviceId,userId,kind\nw1,u1,watch\n"u8.ToArray(), "line 1: unknown column 'deviceId'" },
        { "interactions", "userId,itemId,ts\nu1,i1,2026-11-23T18:02:11Z\n"u8.ToArray(), "line 1: the header has no 'action' column" },
        { "interactions", "userId,itemId,action,ts\nu1,i1,view\n"u8.ToArray(), "line 2: expected 4 fields, found 3" },
        { "interactions", [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFF], "corrupt" },
        { "interactions", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("userId,itemId,action,ts\n")], "UTF-16" },
        { "interactions", [], "empty" },
        { "items", [.. "itemId,kind,category\n"u8, 0x7F], "line 2: binary data" },
        { "items", [.. "itemId,kind,category\np1,post,"u8, 0xFF], "line 2: invalid UTF-8" },
        { "items", "itemId,kind\np1,post\n"u8.ToArray(), "line 1: the header has no 'category' column" },
        { "items", "itemId,kind,category\np1,post,\"news\n"u8.ToArray(), "line 2: unterminated quoted field" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public async Task HostileFilesExitTwoWithALineAndConnectNowhere(string command, byte[] content, string expected)
    {
        using var files = new TempFiles();
        var path = files.WriteBytes(content);
        var cli = new TestCli();

        var exit = await cli.RunAsync(command, "import", path);

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain(expected).And.Contain("nothing was imported");
        cli.Out.ToString().Should().BeEmpty();
    }

    [Theory]
    [InlineData("items")]
    [InlineData("interactions")]
    public async Task OversizeFilesAreRefused(string command)
    {
        using var files = new TempFiles();
        var header = command == "items" ? "itemId,kind,category\n" : InteractionsHeader;
        var path = files.Write(header + new string('\n', 5000));
        var gz = files.WriteBytes(CatalogRowValidationTests.Gzip(header + new string('\n', 5000)), ".gz");
        var cli = new TestCli { ImportLimits = new CsvLimits(MaxBytes: 4096, MaxRows: 100) };

        (await cli.RunAsync(command, "import", path)).Should().Be(ExitCodes.BadInput);
        (await cli.RunAsync(command, "import", gz)).Should().Be(ExitCodes.BadInput);

        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("the limit is 4096 bytes").And.Contain("uncompressed");
    }

    [Theory]
    [InlineData("items", "itemId,kind,category\n", "p{0},post,news\n")]
    [InlineData("interactions", InteractionsHeader, "u{0},i{0},view,2026-11-23T18:02:11Z\n")]
    public async Task TooManyRowsAreRefused(string command, string header, string row)
    {
        using var files = new TempFiles();
        var path = files.Write(header + string.Concat(Enumerable.Range(0, 11).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, row, i))));
        var cli = new TestCli { ImportLimits = new CsvLimits(MaxBytes: 1 << 20, MaxRows: 10) };

        (await cli.RunAsync(command, "import", path)).Should().Be(ExitCodes.BadInput);

        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("more than 10 rows");
    }

    [Fact]
    public void ImportLimitsAre500MegabytesAnd5MillionRows()
    {
        CsvLimits.Import.Should().Be(new CsvLimits(500L * 1024 * 1024, 5_000_000));
        InteractionRows.MaxChunkSize.Should().Be(100_000);
    }

    [Fact]
    public async Task InteractionsImportListsAtMostTwentyProblems()
    {
        using var files = new TempFiles();
        var path = files.Write(InteractionsHeader + string.Concat(Enumerable.Range(0, 25).Select(i => $"u{i},i{i},jump,2026-11-23T18:02:11Z\n")));
        var cli = new TestCli();

        (await cli.RunAsync("interactions", "import", path)).Should().Be(ExitCodes.BadInput);

        cli.Clusters.Calls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("line 21: action 'jump'").And.NotContain("line 22:").And.Contain("… and 5 more").And.Contain("25 problems");
    }

    [Theory]
    [InlineData("--skip", "-1")]
    [InlineData("--skip", "many")]
    [InlineData("--chunk-size", "0")]
    [InlineData("--chunk-size", "100001")]
    public async Task BadOptionsAreParseErrors(string option, string value)
    {
        var cli = new TestCli();

        (await cli.RunAsync("interactions", "import", "x.csv", option, value)).Should().Be(ExitCodes.BadInput);

        cli.Clusters.Calls.Should().BeEmpty();
    }

    // ---- interactions import: chunks ----

    [Fact]
    public async Task InteractionsAreSentInChunks()
    {
        using var files = new TempFiles();
        var path = files.Write(Interactions(25));
        var (cli, connection) = WithFakeCluster();

        var exit = await cli.RunAsync("interactions", "import", path, "--chunk-size", "10", "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        connection.Catalog.InteractionCalls.Select(c => c.Length).Should().Equal(10, 10, 5);
        connection.Catalog.Stored.Select(r => r.ItemId).Should().Equal(Enumerable.Range(1, 25).Select(i => $"i{i}"));
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.GetProperty("imported").GetInt32().Should().Be(25);
        json.GetProperty("chunks").GetInt32().Should().Be(3);
        json.GetProperty("complete").GetBoolean().Should().BeTrue();
        json.GetProperty("nextSkip").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task DefaultChunkIsOneHundredThousandRows()
    {
        using var files = new TempFiles();
        var path = files.WriteBytes(CatalogRowValidationTests.Gzip(Interactions(100_001)), ".csv.gz");
        var (cli, connection) = WithFakeCluster();

        (await cli.RunAsync("interactions", "import", path)).Should().Be(ExitCodes.Success, cli.Error.ToString());

        connection.Catalog.InteractionCalls.Select(c => c.Length).Should().Equal(100_000, 1);
        Flat(cli.Out).Should().Contain("Imported 100001 interactions").And.Contain("2 transactions");
    }

    [Fact]
    public async Task OnlineRetailGzipFileIsImportedAsPurchases()
    {
        using var files = new TempFiles();
        var path = files.WriteBytes(CatalogRowValidationTests.Gzip(
            "user_id,item_id,timestamp,quantity,invoice_no\n17850,85123A,2010-12-01T08:26:00Z,6,536365\n15823,BANK CHARGES,2010-12-02T15:08:00Z,1,536779\n"), ".csv.gz");
        var (cli, connection) = WithFakeCluster();

        var exit = await cli.RunAsync("interactions", "import", path, "--json");

        exit.Should().Be(ExitCodes.Success, cli.Error.ToString());
        connection.Catalog.Stored.Should().OnlyContain(r => r.Action == InteractionAction.Purchase);
        connection.Catalog.Stored.Select(r => r.ItemId).Should().Equal("85123A", "BANK_CHARGES");
        JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("layout").GetString().Should().Be("online-retail");
    }

    [Fact]
    public async Task BadInteractionsFileStoresNothingEvenIfTheBadRowIsLate()
    {
        using var files = new TempFiles();
        var path = files.Write(Interactions(30) + "u1,i1,view,yesterday\n");
        var (cli, connection) = WithFakeCluster();

        var exit = await cli.RunAsync("interactions", "import", path, "--chunk-size", "10");

        exit.Should().Be(ExitCodes.BadInput);
        cli.Clusters.Calls.Should().BeEmpty();
        connection.Catalog.InteractionCalls.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("line 32: ts 'yesterday'");
    }

    [Fact]
    public async Task PartialFailureSaysWhatWasStoredAndHowToResume()
    {
        using var files = new TempFiles();
        var path = files.Write(Interactions(25));
        var (cli, connection) = WithFakeCluster();
        connection.Catalog.FailInteractionCall = call => call == 2 ? new InvalidOperationException("disk full") : null;

        var exit = await cli.RunAsync("interactions", "import", path, "--chunk-size", "10", "--json");

        exit.Should().Be(ExitCodes.Failure);
        connection.Catalog.Stored.Should().HaveCount(20);
        var errors = cli.Error.ToString();
        errors.Should().Contain($"{path}: chunk 3 of 3 (lines 22–26, 5 rows) failed: disk full")
            .And.Contain("this run stored 20 rows (lines 2–21, 2 transactions); they stay stored")
            .And.Contain("nothing from line 22 on was stored; to resume there, rerun the same command with --skip 20")
            .And.Contain("error: the import stopped after 20 of 25 rows");
        var json = JsonDocument.Parse(cli.Out.ToString()).RootElement;
        json.GetProperty("imported").GetInt32().Should().Be(20);
        json.GetProperty("complete").GetBoolean().Should().BeFalse();
        json.GetProperty("nextSkip").GetInt32().Should().Be(20);
        json.GetProperty("resumeLine").GetInt32().Should().Be(22);

        // Resuming with the printed --skip stores exactly the rest.
        var resume = new TestCli { Clusters = { Connection = connection.Cluster } };
        connection.Catalog.FailInteractionCall = _ => null;

        (await resume.RunAsync("interactions", "import", path, "--chunk-size", "10", "--skip", "20")).Should().Be(ExitCodes.Success, resume.Error.ToString());

        connection.Catalog.Stored.Select(r => r.ItemId).Should().Equal(Enumerable.Range(1, 25).Select(i => $"i{i}"));
        Flat(resume.Out).Should().Contain("Imported 5 interactions").And.Contain("skipped the first 20 rows");
    }

    [Fact]
    public async Task ResumeAfterAnEarlierSkipCountsFromTheFileStart()
    {
        using var files = new TempFiles();
        var path = files.Write(Interactions(25));
        var (cli, connection) = WithFakeCluster();
        connection.Catalog.FailInteractionCall = call => call == 1 ? new InvalidOperationException("boom") : null;

        (await cli.RunAsync("interactions", "import", path, "--chunk-size", "5", "--skip", "7")).Should().Be(ExitCodes.Failure);

        connection.Catalog.Stored.Select(r => r.ItemId).Should().Equal(Enumerable.Range(8, 5).Select(i => $"i{i}"));
        cli.Error.ToString().Should().Contain("this run stored 5 rows (lines 9–13, 1 transaction)").And.Contain("--skip 12");
    }

    [Fact]
    public async Task FailureOfTheFirstChunkStoresNothing()
    {
        using var files = new TempFiles();
        var path = files.Write(Interactions(3));
        var (cli, connection) = WithFakeCluster();
        connection.Catalog.FailInteractionCall = _ => new InvalidOperationException("refused");

        (await cli.RunAsync("interactions", "import", path)).Should().Be(ExitCodes.Failure);

        connection.Catalog.Stored.Should().BeEmpty();
        cli.Error.ToString().Should().Contain("this run stored no rows").And.Contain("--skip 0");
    }

    [Fact]
    public async Task TimeoutWarnsThatTheChunkMayHaveBeenStored()
    {
        using var files = new TempFiles();
        var path = files.Write(Interactions(12));
        var (cli, connection) = WithFakeCluster();
        connection.Catalog.FailInteractionCall = call => call == 1 ? new TimeoutException("response did not arrive on time") : null;

        (await cli.RunAsync("interactions", "import", path, "--chunk-size", "5")).Should().Be(ExitCodes.Failure);

        cli.Error.ToString().Should().Contain("--skip 5").And.Contain("may have been stored").And.Contain("--skip 10 instead");
    }

    [Fact]
    public async Task SkippingEveryRowStoresNothingAndDoesNotConnect()
    {
        using var files = new TempFiles();
        var path = files.Write(Interactions(4));
        var cli = new TestCli();

        (await cli.RunAsync("interactions", "import", path, "--skip", "4", "--json")).Should().Be(ExitCodes.Success);

        cli.Clusters.Calls.Should().BeEmpty();
        JsonDocument.Parse(cli.Out.ToString()).RootElement.GetProperty("imported").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task HelpDocumentsTheAtomicityTradeOff()
    {
        var cli = new TestCli();

        (await cli.RunAsync("interactions", "import", "--help")).Should().Be(ExitCodes.Success);

        Flat(cli.Out).Should().Contain("one transaction").And.Contain("--skip").And.Contain("--chunk-size");
    }
}
