using System.Text;
using Osr.Orleans.Client.Csv;

namespace Osr.Orleans.IntegrationTests.Client;

public class RowValidationTests
{
    private static CsvTable Parse(string text) => CsvReader.Parse(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void ValidDevicesParseWithDefaultKind()
    {
        var result = DeviceRow.ValidateAll(Parse("deviceId,userId,kind\nw-1,u-1,watch\np-1, u-1 ,\nx-1,u-2,chest-strap\n"));

        result.IsValid.Should().BeTrue();
        result.Rows.Should().Equal(
            new DeviceRow(2, "w-1", "u-1", "watch"),
            new DeviceRow(3, "p-1", "u-1", "watch"),
            new DeviceRow(4, "x-1", "u-2", "chest-strap"));
    }

    [Fact]
    public void HeaderColumnsMayComeInAnyOrderAndCase()
    {
        var result = DeviceRow.ValidateAll(Parse("Kind,UserId,DEVICEID\nphone,u1,d1\n"));

        result.Rows.Should().ContainSingle().Which.Should().Be(new DeviceRow(2, "d1", "u1", "phone"));
    }

    [Fact]
    public void EveryDeviceProblemIsReportedWithItsLine()
    {
        var csv = "deviceId,userId,kind\n" +
                  "d1,u1,watch\n" +          // 2 ok
                  "d/2,u1,watch\n" +         // 3 bad device id
                  "d3,,watch\n" +            // 4 missing user
                  "d1,u2,watch\n" +          // 5 duplicate of line 2
                  "d5,u1\n" +                // 6 missing column
                  "d6,u1,wr ist\n" +         // 7 kind not an id
                  "d7,u1,watch,extra\n";     // 8 too many fields

        var result = DeviceRow.ValidateAll(Parse(csv));

        result.IsValid.Should().BeFalse();
        result.Errors.Select(e => e.Line).Should().Equal(3, 4, 5, 6, 7, 8);
        result.Errors.Single(e => e.Line == 5).Message.Should().Contain("first on line 2");
        result.Errors.Single(e => e.Line == 6).Message.Should().Contain("expected 3 fields, found 2");
    }

    [Fact]
    public void MissingOrUnknownHeaderColumnsAreReported()
    {
        var result = DeviceRow.ValidateAll(Parse("device,user_id\nd1,u1\n"));

        result.Errors.Should().OnlyContain(e => e.Line == 1);
        result.Errors.Select(e => e.Message).Should().Contain(m => m.Contains("'deviceId'")).And.Contain(m => m.Contains("unknown column 'user_id'"));
    }

    [Fact]
    public void HeaderWithoutRowsIsReported()
    {
        DeviceRow.ValidateAll(Parse("deviceId,userId,kind\n")).IsValid.Should().BeFalse();
    }

    [Fact]
    public void OwnershipConflictNamesTheOwner()
    {
        new DeviceRow(7, "d1", "u1", "watch").OwnedBy("u9").ToString().Should().Be("line 7: device 'd1' is already registered to user 'u9', not 'u1'");
    }

    [Fact]
    public void ValidUsersParse()
    {
        var result = UserRow.ValidateAll(Parse("userId,age,timezone,segment\nu1,34,Europe/Amsterdam,powerlifting\nu2,,America/New_York,\nu3,120,UTC,\"yoga, pilates\"\n"));

        result.IsValid.Should().BeTrue();
        result.Rows.Should().Equal(
            new UserRow(2, "u1", 34, "Europe/Amsterdam", "powerlifting"),
            new UserRow(3, "u2", null, "America/New_York", null),
            new UserRow(4, "u3", 120, "UTC", "yoga, pilates"));
        result.Rows[0].ToProfile().Should().Be(new Osr.Orleans.Models.Users.UserProfile(34, "Europe/Amsterdam", "powerlifting"));
    }

    [Fact]
    public void EveryUserProblemIsReportedWithItsLine()
    {
        var csv = "userId,age,timezone,segment\n" +
                  "u1,34,Europe/Amsterdam,x\n" +                 // 2 ok
                  "u2,4,UTC,\n" +                                // 3 too young
                  "u3,121,UTC,\n" +                              // 4 too old
                  "u4,thirty,UTC,\n" +                           // 5 not a number
                  "u5,30,Europe/Atlantis,\n" +                   // 6 unknown zone
                  "u6,30,,\n" +                                  // 7 zone missing
                  $"u7,30,UTC,{new string('s', 65)}\n" +         // 8 segment too long
                  "u1,30,UTC,\n" +                               // 9 duplicate
                  "u 9,30,UTC,\n" +                              // 10 bad id
                  "u10,30.5,UTC,\n";                             // 11 not whole

        var result = UserRow.ValidateAll(Parse(csv));

        result.Errors.Select(e => e.Line).Should().Equal(3, 4, 5, 6, 7, 8, 9, 10, 11);
        result.Rows.Should().ContainSingle().Which.UserId.Should().Be("u1");
    }

    [Fact]
    public void SegmentOfExactly64CharactersIsAccepted()
    {
        UserRow.ValidateAll(Parse($"userId,age,timezone,segment\nu1,,UTC,{new string('s', 64)}\n")).IsValid.Should().BeTrue();
    }

    [Fact]
    public void WindowsTimeZoneNamesAreRefusedWithTheIanaId()
    {
        UserRow.CheckTimeZone("W. Europe Standard Time").Should().NotBeNull().And.Contain("IANA");
        UserRow.CheckTimeZone("Europe/Berlin").Should().BeNull();
    }
}
