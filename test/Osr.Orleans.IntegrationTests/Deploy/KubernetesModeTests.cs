using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;
using Osr.Orleans.IntegrationTests.Infrastructure;
using Osr.Orleans.Silo.Extensions;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.IntegrationTests.Deploy;

/// <summary>
/// <c>Osr:Cluster:Mode=Kubernetes</c> without a Kubernetes cluster: the real silo host is built (not started) with the
/// pod's environment as deploy/k8s sets it, and the options Orleans resolves from it are checked; a missing variable
/// is refused at start naming it. The tests set process environment variables (what Orleans' hosting reads) and put
/// them back; the assembly runs one test at a time.
/// </summary>
public sealed class KubernetesModeTests
{
    private const string Connection = "Host=db.osr.svc;Database=osr;Username=osr;Password=pw";

    private static readonly Dictionary<string, string?> Pod = new()
    {
        [KubernetesPod.NameVariable] = "osr-silo-7c9f-abcde",
        [KubernetesPod.NamespaceVariable] = "osr",
        [KubernetesPod.IPVariable] = "10.42.3.17",
        [KubernetesPod.ServiceIdVariable] = "osr",
        [KubernetesPod.ClusterIdVariable] = "osr",
        [KubernetesPod.ApiServerHostVariable] = "10.43.0.1",
    };

    [Fact]
    public void ThePodsEnvironmentNamesAndAddressesTheSiloAndMembershipStaysInPostgreSql()
    {
        using var env = new PodEnvironment(Pod);
        using var host = Build(new() { ["Osr:Cluster:SiloPort"] = "11112", ["Osr:Cluster:GatewayPort"] = "30001" });
        var services = host.Services;

        services.GetRequiredService<IOptions<OsrClusterOptions>>().Value.Mode.Should().Be(ClusterMode.Kubernetes, "the settings validate");
        services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName.Should().Be("osr-silo-7c9f-abcde");
        var endpoints = services.GetRequiredService<IOptions<EndpointOptions>>().Value;
        endpoints.AdvertisedIPAddress.Should().Be(IPAddress.Parse("10.42.3.17"));
        endpoints.SiloPort.Should().Be(11112);
        endpoints.GatewayPort.Should().Be(30001);
        endpoints.SiloListeningEndpoint.Should().Be(new IPEndPoint(IPAddress.Any, 11112));
        endpoints.GatewayListeningEndpoint.Should().Be(new IPEndPoint(IPAddress.Any, 30001));
        var ids = services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        (ids.ServiceId, ids.ClusterId).Should().Be((OsrClusterOptions.ServiceId, OsrClusterOptions.ClusterId));
        // Orleans' own validator of the hosting options (pod name and namespace, silo name = pod name) passes.
        var act = () => services.GetRequiredService<IOptions<KubernetesHostingOptions>>().Value;
        act.Should().NotThrow();
        var membership = services.GetRequiredService<global::Orleans.IMembershipTable>();
        membership.GetType().Name.Should().Contain("AdoNet", "membership stays in PostgreSQL");
    }

    [Fact]
    public void OrleansKubernetesSettingsAreReadFromOrleansKubernetes()
    {
        using var env = new PodEnvironment(Pod);
        using var host = Build(new() { ["Orleans:Kubernetes:MaxAgents"] = "3", ["Orleans:Kubernetes:DeleteDefunctSiloPods"] = "true" });

        var options = host.Services.GetRequiredService<IOptions<KubernetesHostingOptions>>().Value;

        (options.MaxAgents, options.DeleteDefunctSiloPods).Should().Be((3, true));
    }

    [Theory]
    [InlineData(KubernetesPod.NameVariable, null, "POD_NAME (downward API: fieldRef metadata.name)")]
    [InlineData(KubernetesPod.NamespaceVariable, null, "POD_NAMESPACE (downward API: fieldRef metadata.namespace)")]
    [InlineData(KubernetesPod.IPVariable, null, "POD_IP (downward API: fieldRef status.podIP)")]
    [InlineData(KubernetesPod.IPVariable, "0.0.0.0", "POD_IP must be the pod's own IP address, got '0.0.0.0'")]
    [InlineData(KubernetesPod.IPVariable, "pod-ip", "POD_IP must be the pod's own IP address, got 'pod-ip'")]
    [InlineData(KubernetesPod.ServiceIdVariable, "other", "ORLEANS_SERVICE_ID must be 'osr' or unset")]
    [InlineData(KubernetesPod.ClusterIdVariable, "blue", "ORLEANS_CLUSTER_ID must be 'osr' or unset")]
    [InlineData(KubernetesPod.ApiServerHostVariable, null, "runs only inside a Kubernetes pod (KUBERNETES_SERVICE_HOST is not set)")]
    public async Task AMissingOrWrongPodVariableStopsTheSiloNamingIt(string variable, string? value, string message)
    {
        using var env = new PodEnvironment(new Dictionary<string, string?>(Pod) { [variable] = value });
        using var host = Build([]);

        var failure = await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>();

        failure.Which.Failures.Should().ContainSingle().Which.Should().Contain("Osr:Cluster:Mode Kubernetes").And.Contain(message);
    }

    [Theory]
    [InlineData("Osr:Cluster:ConnectionString is not a valid Npgsql connection string", "Osr:Cluster:ConnectionString", "Host=db;Colour=blue")]
    [InlineData("Osr:Cluster:Mode Kubernetes needs Osr:Storage:Mode AdoNet", "Osr:Storage:Mode", "Sqlite")]
    public async Task KubernetesModeNeedsPostgreSqlLikeAdoNet(string message, string key, string value)
    {
        using var env = new PodEnvironment(Pod);
        using var host = Build(new() { [key] = value });

        var failure = await FluentActions.Awaiting(() => host.StartAsync()).Should().ThrowAsync<OptionsValidationException>();

        failure.Which.Failures.Should().Contain(f => f.Contains(message));
    }

    private static IHost Build(Dictionary<string, string?> extra)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Osr:Cluster:Mode"] = "Kubernetes",
            ["Osr:Storage:Mode"] = "AdoNet",
            ["Osr:Storage:ConnectionString"] = Connection,
            ["Osr:Ops:Port"] = "0",
            ["Osr:Mqtt:Port"] = FreePort.Next().ToString(),
            ["Osr:Mqtt:BindAddress"] = "127.0.0.1",
            ["Osr:Data:Path"] = TempDirectory.Create("osr-data"),
            ["Osr:Models:Path"] = TempDirectory.Create("osr-models"),
            ["Logging:LogLevel:Default"] = "None",
        };
        foreach (var (key, value) in extra) overrides[key] = value;
        return OsrSiloHost.CreateBuilder([], overrides).Build();
    }

    /// <summary>Sets process environment variables (null removes one) and restores the previous values on dispose.</summary>
    private sealed class PodEnvironment : IDisposable
    {
        private readonly Dictionary<string, string?> _previous = [];

        public PodEnvironment(IReadOnlyDictionary<string, string?> variables)
        {
            foreach (var (name, value) in variables)
            {
                _previous[name] = Environment.GetEnvironmentVariable(name);
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _previous) Environment.SetEnvironmentVariable(name, value);
        }
    }
}
