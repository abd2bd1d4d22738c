using System.IO.Compression;
using System.Text;
using Osr.Orleans.Client.Csv;
using Osr.Orleans.Models.Catalog;

namespace Osr.Orleans.IntegrationTests.Client;

public class CatalogRowValidationTests
{
    private static CsvTable Parse(string text) => CsvReader.Parse(Encoding.UTF8.GetBytes(text));

    private static InteractionImport Validate(string csv, int skip = 0, int chunkSize = InteractionRows.MaxChunkSize)
    {
        using var reader = new CsvRecordReader(new MemoryStream(Encoding.UTF8.GetBytes(csv)));
        return InteractionRows.Validate(reader, skip, chunkSize);
    }

    private static long Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).UtcTicks;

    // ---- items ----

    [Fact]
    public void ValidItemsParseWithTrimmedTags()
    {
        var result = ItemRow.ValidateAll(Parse(
            "Category,itemId,KIND,tags\n" +
            "strength,prog-17,program, legs ; power \n" +
            "drinks,drink-3,product,\n" +
            "\"cardio, outdoor\",post:9,post,run\n"));

        result.IsValid.Should().BeTrue();
        result.Rows.Select(r => (r.Line, r.ItemId, r.Kind, r.Category)).Should().Equal(
            (2, "prog-17", ItemKind.Program, "strength"),
            (3, "drink-3", ItemKind.Product, "drinks"),
            (4, "post:9", ItemKind.Post, "cardio, outdoor"));
        result.Rows[0].Tags.Should().Equal("legs", "power");
        result.Rows[1].Tags.Should().BeEmpty();
        result.Rows[0].ToRecord().Tags.Should().Equal("legs", "power");
    }

    [Fact]
    public void TagsColumnIsOptional()
    {
        var result = ItemRow.ValidateAll(Parse("itemId,kind,category\nu-7,user,coaches\n"));

        result.Rows.Should().ContainSingle().Which.Tags.Should().BeEmpty();
    }

    [Fact]
    public void EveryItemProblemIsReportedWithItsLine()
    {
        var csv = "itemId,kind,category,tags\n" +
                  "i1,program,strength,a;b\n" +                                          // 2 ok
                  "i 2,program,strength,\n" +                                            // 3 bad id
                  "i1,post,strength,\n" +                                                // 4 duplicate of line 2
                  "i4,Program,strength,\n" +                                             // 5 kind is case-sensitive
                  "i5,post,,\n" +                                                        // 6 empty category
                  $"i6,post,{new string('c', 65)},\n" +                                  // 7 category too long
                  "i7,post,\"str\tength\",\n" +                                          // 8 control character
                  $"i8,post,x,{string.Join(';', Enumerable.Range(0, 33))}\n" +          // 9 too many tags
                  $"i9,post,x,a;{new string('t', 65)}\n" +                               // 10 tag too long
                  "i10,post,x,a;;b\n" +                                                  // 11 empty tag
                  "i11,post,x\n" +                                                       // 12 missing field
                  "i12,widget,x,\n";                                                     // 13 unknown kind

        var result = ItemRow.ValidateAll(Parse(csv));

        result.Errors.Select(e => e.Line).Should().Equal(3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
        string Message(int line) => result.Errors.Single(e => e.Line == line).Message;
        Message(3).Should().Contain("item id 'i 2' is not a valid id");
        Message(4).Should().Contain("first on line 2");
        Message(5).Should().Contain("kind 'Program' must be one of program, post, user, product");
        Message(6).Should().Contain("category is empty");
        Message(7).Should().Contain("category is 65 characters long");
        Message(8).Should().Contain("control character (U+0009)");
        Message(9).Should().Contain("33 tags; at most 32");
        Message(10).Should().Contain("tag 2 is 65 characters long");
        Message(11).Should().Contain("tag 2 is empty");
        Message(12).Should().Contain("expected 4 fields, found 3");
        result.Rows.Should().ContainSingle().Which.ItemId.Should().Be("i1");
    }

    [Fact]
    public void ItemLimitsAreInclusive()
    {
        var tags = string.Join(';', Enumerable.Range(0, 32).Select(i => i == 0 ? new string('t', 64) : $"t{i}"));
        var result = ItemRow.ValidateAll(Parse($"itemId,kind,category,tags\n{new string('i', 64)},product,{new string('c', 64)},{tags}\n"));

        result.IsValid.Should().BeTrue();
        result.Rows[0].Tags.Should().HaveCount(32);
    }

    [Fact]
    public void ItemHeaderProblemsAreReportedOnLineOne()
    {
        var result = ItemRow.ValidateAll(Parse("itemId,category,tag\ni1,x,y\n"));

        result.Errors.Should().OnlyContain(e => e.Line == 1);
        result.Errors.Select(e => e.Message).Should().Contain(m => m.Contains("'kind'")).And.Contain(m => m.Contains("unknown column 'tag'"));
        ItemRow.ValidateAll(Parse("itemId,kind,category,tags\n")).Errors.Should().ContainSingle().Which.Message.Should().Contain("no items");
    }

    // ---- interactions: contract layout ----

    [Fact]
    public void ValidInteractionsBecomeUtcTicks()
    {
        var result = Validate(
            "userId,itemId,action,ts\n" +
            "u-7,prog-17,view,2026-11-23T18:02:11Z\n" +
            "u-7,drink-3,purchase,2026-11-23T19:02:11.25+01:00\n" +
            "u-8,prog-17,train,2026-11-23t13:02:11-05:00\n");

        result.IsValid.Should().BeTrue();
        result.Layout.Should().Be(InteractionLayout.Standard);
        result.Rows.Should().Be(3);
        var records = result.Chunks.Should().ContainSingle().Subject.Records;
        records.Should().Equal(
            new InteractionRecord("u-7", "prog-17", InteractionAction.View, Utc("2026-11-23T18:02:11Z")),
            new InteractionRecord("u-7", "drink-3", InteractionAction.Purchase, Utc("2026-11-23T18:02:11.25Z")),
            new InteractionRecord("u-8", "prog-17", InteractionAction.Train, Utc("2026-11-23T18:02:11Z")));
        records[0].UserId.Should().BeSameAs(records[1].UserId, "repeated ids are shared, so millions of rows fit in memory");
    }

    [Fact]
    public void EveryInteractionProblemIsReportedWithItsLine()
    {
        var csv = "userId,itemId,action,ts\n" +
                  "u1,i1,like,2026-11-23T18:02:11Z\n" +              // 2 ok
                  "u/1,i1,like,2026-11-23T18:02:11Z\n" +             // 3 bad user id
                  "u1,,like,2026-11-23T18:02:11Z\n" +                // 4 missing item id
                  "u1,i1,Like,2026-11-23T18:02:11Z\n" +              // 5 unknown action
                  "u1,i1,view,2026-11-23T18:02:11\n" +               // 6 no offset
                  "u1,i1,view,2026-02-30T18:02:11Z\n" +              // 7 no such day
                  "u1,i1,view,2026-11-23 18:02:11Z\n" +              // 8 space instead of T
                  "u1,i1,view,2026-12-31T23:59:60Z\n" +              // 9 leap second
                  "u1,i1,view\n" +                                   // 10 missing field
                  "u1,i1,follow,2026-11-23T18:02:11+1:00\n";         // 11 short offset

        var result = Validate(csv);

        result.IsValid.Should().BeFalse();
        result.Problems.Select(e => e.Line).Should().Equal(3, 4, 5, 6, 7, 8, 9, 10, 11);
        result.ProblemCount.Should().Be(9);
        result.Chunks.Should().BeEmpty("nothing is kept for sending once the file has a problem");
        string Message(int line) => result.Problems.Single(e => e.Line == line).Message;
        Message(3).Should().Contain("user id 'u/1'");
        Message(4).Should().Contain("item id ''");
        Message(5).Should().Contain("action 'Like' must be one of view, like, follow, purchase, train");
        Message(6).Should().Contain("ts '2026-11-23T18:02:11' must be RFC 3339 with an offset");
        Message(10).Should().Contain("expected 4 fields, found 3");
    }

    [Fact]
    public void OnlyTheFirstTwentyProblemsAreKeptButAllAreCounted()
    {
        var csv = "userId,itemId,action,ts\n" + string.Concat(Enumerable.Range(0, 45).Select(i => $"u{i},i{i},jump,2026-11-23T18:02:11Z\n"));

        var result = Validate(csv);

        result.ProblemCount.Should().Be(45);
        result.Problems.Should().HaveCount(InteractionRows.MaxProblemsKept);
        result.Problems.Select(p => p.Line).Should().Equal(Enumerable.Range(2, 20));
    }

    [Fact]
    public void WrongHeaderNamesTheExpectedColumnsAndTheRetailLayout()
    {
        var result = Validate("user,item,action,ts\nu1,i1,view,2026-11-23T18:02:11Z\n");

        result.Problems.Should().OnlyContain(p => p.Line == 1);
        var messages = result.Problems.Select(p => p.Message).ToList();
        messages.Should().Contain(m => m.Contains("unknown column 'user'")).And.Contain(m => m.Contains("no 'userId' column"));
        messages.Should().Contain(m => m.Contains("user_id,item_id,timestamp,quantity,invoice_no"));
    }

    [Fact]
    public void EmptyAndHeaderOnlyFilesAreProblems()
    {
        Validate("").Problems.Should().ContainSingle().Which.Message.Should().Contain("empty");
        Validate("userId,itemId,action,ts\n\n").Problems.Should().ContainSingle().Which.Message.Should().Contain("no interactions");
    }

    // ---- interactions: online-retail layout ----

    [Fact]
    public void OnlineRetailHeaderIsDetectedByNameAndEveryRowIsAPurchase()
    {
        var result = Validate(
            "user_id,item_id,timestamp,quantity,invoice_no\n" +
            "17850,85123A,2010-12-01T08:26:00Z,6,536365\n" +
            "15823,BANK CHARGES,2010-12-02T15:08:00Z,1,536779\n");

        result.IsValid.Should().BeTrue();
        result.Layout.Should().Be(InteractionLayout.OnlineRetail);
        result.Chunks.Single().Records.Should().Equal(
            new InteractionRecord("17850", "85123A", InteractionAction.Purchase, Utc("2010-12-01T08:26:00Z")),
            new InteractionRecord("15823", "BANK_CHARGES", InteractionAction.Purchase, Utc("2010-12-02T15:08:00Z")));
    }

    [Fact]
    public void OnlineRetailColumnsMayBeReorderedAndTheOptionalOnesLeftOut()
    {
        var result = Validate("TIMESTAMP,Item_Id,User_Id\n2010-12-01T08:26:00+00:00,22423,12347\n");

        result.IsValid.Should().BeTrue();
        result.Layout.Should().Be(InteractionLayout.OnlineRetail);
        result.Chunks.Single().Records.Single().ItemId.Should().Be("22423");
    }

    [Fact]
    public void OnlineRetailProblemsHaveLineNumbers()
    {
        var csv = "user_id,item_id,timestamp,quantity,invoice_no\n" +
                  "17850,85123A,2010-12-01T08:26:00Z,6,536365\n" +     // 2 ok
                  "17850,85123A,2010-12-01T08:26:00Z,-6,C536379\n" +   // 3 a return
                  "17850,85123A,2010-12-01T08:26:00Z,two,536365\n" +   // 4 not a number
                  "17850,85/123A,2010-12-01T08:26:00Z,1,536365\n" +    // 5 bad item id
                  "17850,85123A,12/01/2010 08:26,1,536365\n" +          // 6 not RFC 3339
                  "17850,85123A,2010-12-01T08:26:00Z,,\n";              // 7 ok: quantity may be empty

        var result = Validate(csv);

        result.Problems.Select(p => p.Line).Should().Equal(3, 4, 5, 6);
        result.Problems[0].Message.Should().Contain("quantity '-6'");
        result.Problems[3].Message.Should().Contain("timestamp '12/01/2010 08:26'");
    }

    [Fact]
    public void MissingRetailColumnIsReported()
    {
        var result = Validate("user_id,item_id,quantity\n1,2,3\n");

        result.Problems.Should().ContainSingle().Which.Should().Be(new RowError(1, "the header has no 'timestamp' column (expected user_id,item_id,timestamp,quantity,invoice_no)"));
    }

    // ---- chunking and skipping ----

    [Fact]
    public void RowsAreChunkedWithTheirLineRanges()
    {
        var csv = "userId,itemId,action,ts\n" + string.Concat(Enumerable.Range(1, 25).Select(i => $"u{i},i{i},view,2026-11-23T18:02:11Z\n"));

        var result = Validate(csv, chunkSize: 10);

        result.Chunks.Select(c => (c.FirstLine, c.LastLine, c.Records.Length)).Should().Equal((2, 11, 10), (12, 21, 10), (22, 26, 5));
        result.Chunks.SelectMany(c => c.Records).Select(r => r.UserId).Should().Equal(Enumerable.Range(1, 25).Select(i => $"u{i}"));
        result.ToSend.Should().Be(25);
    }

    [Fact]
    public void SkipLeavesOutLeadingRowsButStillValidatesThem()
    {
        var csv = "userId,itemId,action,ts\n" + string.Concat(Enumerable.Range(1, 25).Select(i => $"u{i},i{i},view,2026-11-23T18:02:11Z\n"));

        var result = Validate(csv, skip: 12, chunkSize: 10);

        result.Skipped.Should().Be(12);
        result.Chunks.Select(c => (c.FirstLine, c.LastLine, c.Records.Length)).Should().Equal((14, 23, 10), (24, 26, 3));
        result.Chunks[0].Records[0].UserId.Should().Be("u13");

        Validate(csv.Replace("u3,", "u 3,"), skip: 12).Problems.Should().ContainSingle().Which.Line.Should().Be(4);
        Validate(csv, skip: 25).Chunks.Should().BeEmpty();
        Validate(csv, skip: 26).Problems.Should().ContainSingle().Which.Message.Should().Contain("--skip 26 is more than the 25 rows");
    }

    [Fact]
    public void LineNumbersCountBlankLinesAndQuotedLineBreaks()
    {
        var result = Validate("userId,itemId,action,ts\r\n\r\nu1,i1,view,2026-11-23T18:02:11Z\r\n\"u2\",\"i\n2\",view,2026-11-23T18:02:11Z\r\nu3,i3,view,2026-11-23T18:02:11Z\r\n");

        result.Problems.Should().ContainSingle().Which.Line.Should().Be(4);
        Validate("userId,itemId,action,ts\n\nu1,i1,view,2026-11-23T18:02:11Z\n\n\nu3,i3,view,2026-11-23T18:02:11Z\n", chunkSize: 1)
            .Chunks.Select(c => c.FirstLine).Should().Equal(3, 6);
    }

    // ---- hostile files ----

    [Fact]
    public void BinaryDataEndsTheCheckWithItsLineAfterEarlierProblems()
    {
        var bytes = Encoding.UTF8.GetBytes("userId,itemId,action,ts\nu1,i1,nope,2026-11-23T18:02:11Z\nu2,i2,view,2026").Concat(new byte[] { 0x00, 0xFF, 0x13 }).ToArray();
        using var reader = new CsvRecordReader(new MemoryStream(bytes));

        var result = InteractionRows.Validate(reader);

        result.Problems.Select(p => p.Line).Should().Equal(2, 3);
        result.Problems[1].Message.Should().Contain("binary data");
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98 })]
    public void InvalidUtf8IsRefusedWithItsLine(byte[] garbage)
    {
        var bytes = Encoding.UTF8.GetBytes("userId,itemId,action,ts\nu1,i1,view,2026-11-23T18:02:11Z\nu2,").Concat(garbage).ToArray();
        using var reader = new CsvRecordReader(new MemoryStream(bytes));

        var result = InteractionRows.Validate(reader);

        result.Problems.Should().ContainSingle().Which.Should().Match<RowError>(p => p.Line == 3 && p.Message.Contains("invalid UTF-8"));
    }

    [Fact]
    public void StreamingReaderEnforcesTheUncompressedByteLimit()
    {
        var gz = Gzip("userId,itemId,action,ts\n" + new string('\n', 100_000));
        using var reader = new CsvRecordReader(new GZipStream(new MemoryStream(gz), CompressionMode.Decompress), new CsvLimits(MaxBytes: 10_000, MaxRows: 10));

        var act = () => { while (reader.Read() is not null) { } };

        gz.Length.Should().BeLessThan(10_000);
        act.Should().Throw<CsvFormatException>().WithMessage("*uncompressed*limit*");
    }

    [Fact]
    public void StreamingReaderHandlesRecordsSplitAcrossBlocks()
    {
        var segment = new string('é', 40_000);   // two-byte characters straddle the 64 KiB read blocks
        using var reader = new CsvRecordReader(new MemoryStream(Encoding.UTF8.GetBytes($"a,b\r\n\"{segment}\r\n\"\"x\"\"\",{segment}\r\n")));

        reader.Read()!.Fields.Should().Equal("a", "b");
        var record = reader.Read()!;
        record.Line.Should().Be(2);
        record.Fields.Should().Equal($"{segment}\r\n\"x\"", segment);
        reader.Read().Should().BeNull();
    }

    [Fact]
    public void GzipFilesAreDecompressedAndMislabelledOnesRefused()
    {
        using var files = new TempFiles();
        var gz = files.WriteBytes(Gzip("userId,itemId,action,ts\nu1,i1,view,2026-11-23T18:02:11Z\n"), ".csv.gz");
        var plain = files.Write("userId,itemId,action,ts\n", ".csv.gz");

        using (var stream = CsvRecordReader.OpenFile(gz))
        using (var reader = new CsvRecordReader(stream))
            InteractionRows.Validate(reader).Rows.Should().Be(1);

        var act = () => CsvRecordReader.OpenFile(plain);
        act.Should().Throw<CsvFormatException>().WithMessage("*not gzip*");
    }

    [Fact]
    public void CorruptGzipIsAFormatProblem()
    {
        var gz = Gzip("userId,itemId,action,ts\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"u{i},i{i},view,2026-11-23T18:02:11Z\n")));
        for (var i = 20; i < gz.Length - 10; i += 7) gz[i] ^= 0x5A;
        using var reader = new CsvRecordReader(new GZipStream(new MemoryStream(gz), CompressionMode.Decompress));

        var result = InteractionRows.Validate(reader);

        result.IsValid.Should().BeFalse();
    }

    internal static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }
}
