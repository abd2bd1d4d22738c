using System.Text;
using Osr.Orleans.Client.Csv;

namespace Osr.Orleans.IntegrationTests.Client;

public class CsvReaderTests
{
    private static CsvTable Parse(string text) => CsvReader.Parse(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void QuotedFieldsKeepCommasQuotesAndLineBreaks()
    {
        var table = Parse("userId,age,timezone,segment\nu1,30,UTC,\"strength, power\"\nu2,,UTC,\"the \"\"real\"\" deal\"\nu3,,UTC,\"two\nlines\"\nu4,,UTC,x\n");

        table.Rows.Select(r => r.Fields[3]).Should().Equal("strength, power", "the \"real\" deal", "two\nlines", "x");
        table.Rows.Select(r => r.Line).Should().Equal(2, 3, 4, 6);
    }

    [Fact]
    public void CrLfAndBomAndTrailingBlankLinesAreAccepted()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("deviceId,userId,kind\r\nw1,u1,watch\r\n\r\nw2,u2,phone\r\n\r\n")).ToArray();

        var table = CsvReader.Parse(bytes);

        table.Header.Fields.Should().Equal("deviceId", "userId", "kind");
        table.Rows.Should().HaveCount(2);
        table.Rows[1].Fields.Should().Equal("w2", "u2", "phone");
        table.Rows[1].Line.Should().Be(4);
    }

    [Fact]
    public void BareCarriageReturnsEndLines()
    {
        var table = Parse("a,b\rc,d\re,f");

        table.Rows.Select(r => r.Line).Should().Equal(2, 3);
        table.Rows[1].Fields.Should().Equal("e", "f");
    }

    [Fact]
    public void EmptyTrailingFieldIsKept()
    {
        Parse("a,b,c\n1,2,\n").Rows[0].Fields.Should().Equal("1", "2", "");
    }

    [Fact]
    public void UnterminatedQuoteNamesTheLineWhereItOpened()
    {
        var act = () => Parse("a,b\n1,2\n3,\"open\n4,5\n");

        act.Should().Throw<CsvFormatException>().Which.Line.Should().Be(3);
    }

    [Fact]
    public void StrayQuoteInAnUnquotedFieldIsRefused()
    {
        var act = () => Parse("a,b\n1,2\n3,x\"y\n");

        act.Should().Throw<CsvFormatException>().Which.Line.Should().Be(3);
    }

    [Fact]
    public void TextAfterAClosingQuoteIsRefused()
    {
        var act = () => Parse("a,b\n\"x\"y,2\n");

        act.Should().Throw<CsvFormatException>().Which.Line.Should().Be(2);
    }

    [Theory]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x07 })]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x41 })]
    [InlineData(new byte[] { 0xC3 })]
    public void BinaryGarbageIsRefusedWithItsLineNumber(byte[] garbage)
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\n1,2\n3,").Concat(garbage).Concat(Encoding.UTF8.GetBytes("\n5,6\n")).ToArray();

        var act = () => CsvReader.Parse(bytes);

        act.Should().Throw<CsvFormatException>().Which.Line.Should().Be(3);
    }

    [Fact]
    public void Utf16FilesAreRefusedWithAHint()
    {
        var bytes = new byte[] { 0xFF, 0xFE }.Concat(Encoding.Unicode.GetBytes("a,b\n1,2\n")).ToArray();

        var act = () => CsvReader.Parse(bytes);

        act.Should().Throw<CsvFormatException>().WithMessage("*UTF-16*");
    }

    [Fact]
    public void NonAsciiTextIsFine()
    {
        Parse("userId,segment\nu1,crème brûlée 🏋\n").Rows[0].Fields[1].Should().Be("crème brûlée 🏋");
    }

    [Fact]
    public void OversizeStreamIsRefusedBeforeParsing()
    {
        using var stream = new MemoryStream(new byte[2048]);

        var act = () => CsvReader.Read(stream, new CsvLimits(MaxBytes: 1024, MaxRows: 10));

        act.Should().Throw<CsvFormatException>().WithMessage("*limit*");
    }

    [Fact]
    public void OversizeNonSeekableStreamIsRefused()
    {
        using var stream = new NonSeekableStream(new byte[5000]);

        var act = () => CsvReader.Read(stream, new CsvLimits(MaxBytes: 1024, MaxRows: 10));

        act.Should().Throw<CsvFormatException>().WithMessage("*limit*");
    }

    [Fact]
    public void TooManyRowsAreRefused()
    {
        var text = "a\n" + string.Concat(Enumerable.Repeat("x\n", 11));

        var act = () => CsvReader.Parse(Encoding.UTF8.GetBytes(text), new CsvLimits(MaxBytes: 1 << 20, MaxRows: 10));

        act.Should().Throw<CsvFormatException>().WithMessage("*more than 10 rows*");
    }

    [Fact]
    public void ExactlyTheRowLimitIsAccepted()
    {
        var text = "a\n" + string.Concat(Enumerable.Repeat("x\n", 10));

        CsvReader.Parse(Encoding.UTF8.GetBytes(text), new CsvLimits(MaxBytes: 1 << 20, MaxRows: 10)).Rows.Should().HaveCount(10);
    }

    [Fact]
    public void EmptyFileIsRefused()
    {
        var act = () => CsvReader.Parse([0xEF, 0xBB, 0xBF, (byte)'\n']);

        act.Should().Throw<CsvFormatException>().WithMessage("*empty*");
    }

    [Fact]
    public void ReadFileRefusesAMissingFile()
    {
        var act = () => CsvReader.ReadFile("/nonexistent/osr.csv");

        act.Should().Throw<CsvFormatException>().WithMessage("*not found*");
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
