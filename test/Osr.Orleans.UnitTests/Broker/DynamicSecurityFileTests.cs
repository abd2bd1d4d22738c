using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Osr.Orleans.Client.Broker;
using Osr.Orleans.Models.Broker;

namespace Osr.Orleans.UnitTests.Broker;

public sealed class DynamicSecurityFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("osr-dynsec").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private const string ExistingFile = """
        {
          "defaultACLAccess": { "publishClientSend": false, "publishClientReceive": true, "subscribe": false, "unsubscribe": true },
          "clients": [
            { "username": "osr-silo", "roles": [ { "rolename": "osr-silo" }, { "rolename": "admin" } ], "password": "p", "salt": "s", "iterations": 101 },
            { "username": "d1", "clientid": "d1", "roles": [ { "rolename": "osr-device-d1" } ], "password": "old", "salt": "old", "iterations": 101 }
          ],
          "groups": [ { "groupname": "g" } ],
          "roles": [ { "rolename": "admin", "acls": [] }, { "rolename": "osr-device-d1", "acls": [] } ]
        }
        """;

    [Fact]
    public async Task AccountsAreMergedKeepingEverythingElseAndReplacingADeviceAlreadyThere()
    {
        var path = Path.Combine(_directory, "dynamic-security.json");
        await File.WriteAllTextAsync(path, ExistingFile);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        await DynamicSecurityFile.MergeAsync(path, [new("d1", "u1", "secret-a"), new("d2", "u1", "secret-b")], CancellationToken.None);

        var root = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        var clients = root["clients"]!.AsArray().Select(c => c!.AsObject()).ToList();
        clients.Select(c => (string)c["username"]!).Should().Equal("osr-silo", "d1", "d2");
        clients[0]["password"]!.GetValue<string>().Should().Be("p");
        var d1 = clients[1];
        ((string)d1["clientid"]!).Should().Be("d1");
        var salt = Convert.FromBase64String((string)d1["salt"]!);
        ((string)d1["password"]!).Should().Be(DeviceBrokerAccount.PasswordHash("secret-a", salt, (int)d1["iterations"]!));
        root["roles"]!.AsArray().Select(r => (string)r!["rolename"]!).Should().Equal("admin", "osr-device-d1", "osr-device-d2");
        root["roles"]![1]!["acls"]!.AsArray().Should().HaveCount(6);
        root["groups"]!.AsArray().Should().ContainSingle();
        root["defaultACLAccess"]!["publishClientSend"]!.GetValue<bool>().Should().BeFalse();
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "a replaced file keeps its mode");
        File.Exists(path + ".tmp").Should().BeFalse();
    }

    [Fact]
    public async Task AMissingFileIsCreatedWithDenyByDefaultAccess()
    {
        var path = Path.Combine(_directory, "new.json");
        DynamicSecurityFile.Check(path, ["d1"]);

        await DynamicSecurityFile.MergeAsync(path, [new("d1", "u1", "s")], CancellationToken.None);

        var root = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        root["clients"]!.AsArray().Should().ContainSingle();
        root["defaultACLAccess"]!["subscribe"]!.GetValue<bool>().Should().BeFalse();
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, "a new file holds password hashes");
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("""{ "clients": {} }""", "\"clients\" is not an array")]
    public async Task AFileThatIsNotADynamicSecurityFileIsRefusedAndLeftAsItWas(string content, string reason)
    {
        var path = Path.Combine(_directory, "bad.json");
        await File.WriteAllTextAsync(path, content);

        var check = () => DynamicSecurityFile.Check(path, ["d1"]);
        var merge = () => DynamicSecurityFile.MergeAsync(path, [new("d1", "u1", "s")], CancellationToken.None);

        check.Should().Throw<FormatException>().WithMessage($"*{reason}*");
        await merge.Should().ThrowAsync<FormatException>();
        (await File.ReadAllTextAsync(path)).Should().Be(content);
    }

    [Theory]
    [InlineData("missing/f.json", "*does not exist*")]
    [InlineData("", "*is a directory*")]
    public void APathThatCannotBeTheFileIsRefused(string relative, string reason)
    {
        var check = () => DynamicSecurityFile.Check(Path.Combine(_directory, relative), ["d1"]);
        var empty = () => DynamicSecurityFile.Check(" ", ["d1"]);

        check.Should().Throw<FormatException>().WithMessage(reason);
        empty.Should().Throw<FormatException>().WithMessage("*empty*");
    }

    [Fact]
    public async Task ADeviceIdThatNamesAnotherKindOfAccountIsRefusedAndTheFileKept()
    {
        var path = Path.Combine(_directory, "dynamic-security.json");
        await File.WriteAllTextAsync(path, ExistingFile);

        var check = () => DynamicSecurityFile.Check(path, ["d9", "osr-silo"]);
        var merge = () => DynamicSecurityFile.MergeAsync(path, [new("osr-silo", "u1", "s")], CancellationToken.None);

        check.Should().Throw<FormatException>().WithMessage("*'osr-silo' is an account of another kind*");
        await merge.Should().ThrowAsync<FormatException>();
        (await File.ReadAllTextAsync(path)).Should().Be(ExistingFile);
        DynamicSecurityFile.Check(path, ["d1", "d2"]);   // a device's own account may be replaced
    }

    [Fact]
    public async Task ConcurrentWritersEachKeepTheirAccounts()
    {
        var path = Path.Combine(_directory, "shared.json");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            DynamicSecurityFile.MergeAsync(path, [.. Enumerable.Range(0, 50).Select(i => new BrokerAccountEntry($"w{w}-d{i}", "u", "s"))], CancellationToken.None))));

        var root = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        root["clients"]!.AsArray().Should().HaveCount(200);
        root["roles"]!.AsArray().Should().HaveCount(200);
    }
    [Fact]
    public async Task AWriterWaitsWhileTheLockIsHeldAndGivesUpAfterTwoMinutes()
    {
        var path = Path.Combine(_directory, "locked.json");
        await File.WriteAllTextAsync(path, ExistingFile);
        using var held = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        // Each writer's first attempt fails and arms its wait before MergeAsync returns, so Advance finds it.
        using var stop = new CancellationTokenSource();
        var time = new FakeTimeProvider();
        var waiting = DynamicSecurityFile.MergeAsync(path, [new("d2", "u1", "s")], stop.Token, time);
        time.Advance(TimeSpan.FromSeconds(1));
        waiting.IsCompleted.Should().BeFalse("the lock is held");
        (await File.ReadAllTextAsync(path)).Should().Be(ExistingFile);
        await stop.CancelAsync();
        await waiting.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<OperationCanceledException>();

        var later = new FakeTimeProvider();
        var givingUp = DynamicSecurityFile.MergeAsync(path, [new("d3", "u1", "s")], CancellationToken.None, later);
        later.Advance(TimeSpan.FromMinutes(2));
        (await givingUp.Awaiting(t => t.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<IOException>()).WithMessage("*held by another writer*");
        (await File.ReadAllTextAsync(path)).Should().Be(ExistingFile);
    }
}
