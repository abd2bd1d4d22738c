using Microsoft.Extensions.Configuration;
using Orleans.Runtime;
using Osr.Orleans.Client.Cli;
using Osr.Orleans.Client.Cluster;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.IntegrationTests.Durability;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Models.Audit;
using Osr.Orleans.Models.Rules;
using Osr.Orleans.Models.Security;

namespace Osr.Orleans.IntegrationTests.Cluster;

/// <summary>
/// Mutual TLS of the cluster (<c>Osr:Cluster:Tls:*</c>) with real silos on loopback and certificates made by the test: a console
/// without a certificate of the cluster's authority completes no call, one with such a certificate works and is named in the
/// audit trail, and a silo with a certificate of another authority cannot join.
/// </summary>
public sealed class ClusterTlsTests
{
    private const string CaKey = "Osr:Cluster:Tls:CA";

    [Fact]
    public async Task OnlyAConsoleWithACertificateOfTheAuthorityCompletesCallsAndItsChangesAreAuditedUnderItsSubject()
    {
        using var authority = new TestAuthority("osr-cluster-ca");
        using var stranger = new TestAuthority("another-ca");
        await using var silo = await InProcessSilo.StartAsync(authority.Settings(authority.Issue("silo-1", silo: true)));
        var gateway = $"127.0.0.1:{silo.GatewayPort}";

        // No TLS at all: the handshake never happens, so neither does a call.
        await FluentActions.Awaiting(() => ConnectAsync(gateway, new Dictionary<string, string?>())).Should().ThrowAsync<CliFailureException>();
        // A certificate of another authority, though the console itself trusts the silo: the silo refuses it.
        var mallory = stranger.Settings(stranger.Issue("mallory", silo: false));
        mallory[CaKey] = Bundle(stranger, authority);
        await FluentActions.Awaiting(() => ConnectAsync(gateway, mallory)).Should().ThrowAsync<CliFailureException>();

        await using var admin = await ConnectAsync(gateway, authority.Settings(authority.Issue("alice-admin", silo: false)));
        // Nothing the refused consoles tried changed anything.
        (await admin.Grains.GetGrain<IRulesGrain>(GrainKeys.Global).GetVersionAsync()).Should().Be(0);
        (await admin.Grains.GetGrain<IAuditGrain>(GrainKeys.Global).ReadAsync(null, 100)).Should().BeEmpty();

        (await admin.Grains.GetGrain<IRulesGrain>(GrainKeys.Global).SetAsync("cap.day", RuleScope.Global, "2")).Ok.Should().BeTrue();
        var registered = await admin.Grains.GetGrain<IDeviceAdminGrain>("tls-w1").RegisterAsync("tls-u1", "watch", imported: false);
        registered.Ok.Should().BeTrue();
        (await admin.Grains.GetGrain<IDeviceAdminGrain>("tls-w1").RevokeAsync()).Should().BeTrue();

        var audit = await admin.Grains.GetGrain<IAuditGrain>(GrainKeys.Global).ReadAsync(null, 100);
        audit.Select(e => e.Action).Should().Equal(AuditActions.RulesSet, AuditActions.DevicesRegister, AuditActions.DevicesRevoke);
        audit.Should().AllSatisfy(e => e.Who.Should().Be("cert:CN=alice-admin"));
        audit[1].Before.Should().BeNull();
        audit[1].After.Should().Contain("\"userId\":\"tls-u1\"").And.Contain("\"newSecretIssued\":true");
        audit[2].Before.Should().Contain("\"revoked\":false");
        audit[2].After.Should().Contain("\"revoked\":true");
        string.Concat(audit.Select(e => e.Before + e.After)).Should().NotContain(registered.Secret!);

        // users forget: the user's entries keep who, when and what, nothing of the user; the forget itself names no one.
        var erased = await admin.Grains.GetGrain<IUserAdminGrain>("tls-u1").ForgetAsync();
        erased.AuditEntries.Should().Be(2);
        audit = await admin.Grains.GetGrain<IAuditGrain>(GrainKeys.Global).ReadAsync(null, 100);
        audit.Select(e => e.Action).Should().Equal(AuditActions.RulesSet, AuditActions.DevicesRegister, AuditActions.DevicesRevoke, AuditActions.UsersForget);
        string.Concat(audit.Select(e => e.Target + e.Before + e.After)).Should().NotContain("tls-u1").And.NotContain("tls-w1");
        audit[3].Who.Should().Be("cert:CN=alice-admin");
    }

    [Fact]
    public async Task ASiloWithACertificateOfAnotherAuthorityCannotJoinTheCluster()
    {
        var connectionString = await OrleansPostgresSchema.CreateDatabaseAsync("osr_tls");
        using var authority = new TestAuthority("osr-cluster-ca");
        using var stranger = new TestAuthority("another-ca");
        await using var first = await InProcessSilo.StartAsync(Merge(PostgresGrainStorageTests.AdoNet(connectionString), authority.Settings(authority.Issue("silo-a", silo: true))));
        await using var second = await InProcessSilo.StartAsync(Merge(PostgresGrainStorageTests.AdoNet(connectionString), authority.Settings(authority.Issue("silo-b", silo: true))));
        await Poll.UntilAsync(async () => (await ActiveSilos(first)).Length == 2, "the two silos of the authority see each other");

        // The rogue trusts the cluster's authority; the cluster does not trust the rogue's.
        var rogueSettings = Merge(PostgresGrainStorageTests.AdoNet(connectionString), stranger.Settings(stranger.Issue("rogue", silo: true)));
        rogueSettings[CaKey] = Bundle(stranger, authority);
        rogueSettings["Orleans:Membership:MaxJoinAttemptTime"] = "00:00:20";
        rogueSettings["Logging:LogLevel:Default"] = "Warning";
        await using var rogue = new SiloProcess("rogue", rogueSettings);
        rogue.Start();
        await Poll.UntilAsync(async () =>
        {
            (await ActiveSilos(first)).Length.Should().Be(2, "a silo of another authority never becomes active");
            return !rogue.IsRunning;
        }, "the rogue silo gives up joining", TimeSpan.FromSeconds(90));

        (await rogue.WaitForExitAsync(TimeSpan.FromSeconds(30))).Should().NotBe(0, rogue.Output);
        // Its connections to the cluster's silos fail at the handshake, and they declare it dead.
        rogue.Output.Should().Contain("Unable to connect to");
        (await ActiveSilos(first)).Length.Should().Be(2);
        (await ActiveSilos(second)).Length.Should().Be(2);
    }

    [Fact]
    public void SettingsThatCannotBeUsedAreRefusedNamingTheKey()
    {
        using var authority = new TestAuthority("osr-cluster-ca");
        using var stranger = new TestAuthority("another-ca");
        var now = DateTimeOffset.UtcNow;
        var good = authority.Issue("silo-1", silo: true);

        Problems(new ClusterTlsSettings { Key = good.Key, CA = authority.CaPath }, now).Should().ContainMatch("Osr:Cluster:Tls:Certificate is not set*");
        Problems(new ClusterTlsSettings { Certificate = good.Certificate, CA = authority.CaPath }, now).Should().ContainMatch("Osr:Cluster:Tls:Key is not set*");
        Problems(new ClusterTlsSettings { Certificate = good.Certificate, Key = good.Key }, now).Should().ContainMatch("Osr:Cluster:Tls:CA is not set*");
        Problems(new ClusterTlsSettings { Certificate = good.Certificate + ".missing", Key = good.Key, CA = authority.CaPath }, now)
            .Should().ContainMatch("Osr:Cluster:Tls:Certificate '*.missing' does not exist");
        Problems(new ClusterTlsSettings { Certificate = good.Certificate, Key = good.Key, CA = stranger.CaPath }, now)
            .Should().ContainMatch("Osr:Cluster:Tls:Certificate '*' is not issued by the authority of Osr:Cluster:Tls:CA*");
        Problems(new ClusterTlsSettings { Certificate = good.Certificate, Key = good.Key, CA = authority.CaPath }, now.AddDays(2))
            .Should().ContainMatch("Osr:Cluster:Tls:Certificate '*' is not valid now*");
        Problems(new ClusterTlsSettings { Certificate = good.Certificate, Key = good.Key, CA = authority.CaPath }, now).Should().BeEmpty();
    }

    [Fact]
    public async Task ASiloWithTlsSettingsItCannotUseStopsWithExitCodeTwoNamingTheKey()
    {
        using var authority = new TestAuthority("osr-cluster-ca");
        var settings = authority.Settings(authority.Issue("silo-1", silo: true));
        settings[CaKey] = Path.Combine(authority.Directory, "missing-ca.crt");
        await using var silo = new SiloProcess("bad-tls", settings);

        silo.Start();
        // Waits for the output to be read to its end too.
        var code = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        code.Should().Be(2, silo.Output);
        silo.Output.Should().Contain("Osr:Cluster:Tls:CA").And.Contain("missing-ca.crt").And.Contain("does not exist");
    }

    private static string[] Problems(ClusterTlsSettings settings, DateTimeOffset now)
    {
        try
        {
            ClusterTls.Load(settings, now);
            return [];
        }
        catch (ClusterTlsException e)
        {
            return [.. e.Problems];
        }
    }

    private static Task<IClusterConnection> ConnectAsync(string gateway, IReadOnlyDictionary<string, string?> settings) =>
        new OrleansClusterConnectionFactory().ConnectAsync(
            ClusterTarget.Resolve(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), gateway), verbose: false, CancellationToken.None);

    /// <summary>A CA file that trusts both authorities (written in <paramref name="own"/>'s directory).</summary>
    private static string Bundle(TestAuthority own, TestAuthority other)
    {
        var path = Path.Combine(own.Directory, "both-ca.crt");
        File.WriteAllText(path, File.ReadAllText(own.CaPath) + "\n" + File.ReadAllText(other.CaPath));
        return path;
    }

    private static Dictionary<string, string?> Merge(Dictionary<string, string?> first, Dictionary<string, string?> second)
    {
        foreach (var (key, value) in second) first[key] = value;
        return first;
    }

    private static async Task<SiloAddress[]> ActiveSilos(InProcessSilo silo)
    {
        var hosts = await silo.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        return [.. hosts.Keys];
    }
}
