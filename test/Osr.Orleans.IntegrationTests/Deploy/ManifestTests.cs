using System.Reflection;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Models.Filtering;
using Osr.Orleans.Silo.Ops;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.IntegrationTests.Deploy;

/// <summary>
/// deploy/k8s against the silo's code (docs/operations.md, "Kubernetes"): every manifest loads with the Kubernetes
/// client, every kustomization names files that exist, and the ports, probe paths, settings, pod identity, network
/// policy and RBAC are the ones the silo and Orleans' Kubernetes hosting use, so that the manifests cannot drift.
/// </summary>
public sealed class ManifestTests
{
    /// <summary>
    /// Keys of docs/contract.md ("External broker") that the external-broker overlay sets; they bind to MqttOptions
    /// like every other key.
    /// </summary>
    private static readonly string[] ExternalBrokerKeys = ["Osr:Mqtt:Mode", "Osr:Mqtt:Brokers:0", "Osr:Mqtt:Username", "Osr:Mqtt:Password"];

    /// <summary>Environment variables that are not Osr settings: the pod identity Orleans' hosting reads, and the GC budget.</summary>
    private static readonly string[] OtherVariables =
    [
        KubernetesPod.NameVariable, KubernetesPod.NamespaceVariable, KubernetesPod.IPVariable,
        KubernetesPod.ServiceIdVariable, KubernetesPod.ClusterIdVariable, "DOTNET_GCgen0size",
    ];

    [Fact]
    public async Task EveryManifestLoadsAndEveryKustomizationNamesFilesThatExist()
    {
        var manifests = await Manifests.LoadAsync();

        manifests.Objects.Select(o => o.File).Distinct().Should().BeEquivalentTo(
            Manifests.ManifestFiles().Select(f => Path.GetRelativePath(Manifests.Directory, f)), "every YAML file holds Kubernetes objects");
        manifests.Objects.Should().OnlyContain(o => o.Object is IMetadata<V1ObjectMeta> && !string.IsNullOrEmpty(((IMetadata<V1ObjectMeta>)o.Object).Metadata.Name));
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kustomization in Manifests.Kustomizations())
        {
            var directory = Path.GetDirectoryName(kustomization)!;
            foreach (var entry in Manifests.ListedPaths(kustomization))
            {
                var path = Path.GetFullPath(Path.Combine(directory, entry));
                (File.Exists(path) || File.Exists(Path.Combine(path, Manifests.KustomizationFile))).Should()
                    .BeTrue($"{Path.GetRelativePath(Manifests.Directory, kustomization)} lists {entry}, which must be a file or a kustomization directory");
                listed.Add(path);
            }
        }
        Manifests.ManifestFiles().Should().OnlyContain(f => listed.Contains(f), "every manifest is used by a kustomization");
        Manifests.Kustomizations().Select(Path.GetDirectoryName).Should().Contain(
            new[] { "base", "overlays/dev", "overlays/managed-db", "overlays/external-broker" }.Select(d => Path.Combine(Manifests.Directory, d)));
    }

    [Fact]
    public async Task ContainerPortsAreTheSettingsTheSiloListensOn()
    {
        var manifests = await Manifests.LoadAsync();
        var settings = Settings(manifests.SiloConfigMap.Data);
        var ports = manifests.BaseSiloContainer.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);

        var mqtt = Bind<MqttOptions>(settings, MqttOptions.Section);
        var ops = Bind<OpsOptions>(settings, OpsOptions.Section);
        var cluster = Bind<OsrClusterOptions>(settings, OsrClusterOptions.Section);
        ports.Should().BeEquivalentTo(new Dictionary<string, int>
        {
            ["mqtt"] = mqtt.Port, ["mqtts"] = mqtt.TlsPort, ["ops"] = ops.Port, ["silo"] = cluster.SiloPort, ["gateway"] = cluster.GatewayPort,
        });
        // The ConfigMap restates the defaults: a changed default shows here first.
        (mqtt.Port, mqtt.TlsPort, ops.Port, cluster.SiloPort, cluster.GatewayPort).Should()
            .Be((new MqttOptions().Port, new MqttOptions().TlsPort, new OpsOptions().Port, new OsrClusterOptions().SiloPort, new OsrClusterOptions().GatewayPort));
        ops.BindAddress.Should().Be("0.0.0.0", "probes and Prometheus reach the pod's address");
    }

    [Fact]
    public async Task ProbesAndScrapingUseThePathsTheOpsPortServes()
    {
        var manifests = await Manifests.LoadAsync();
        var silo = manifests.BaseSiloContainer;
        var opsPort = silo.Ports.Single(p => p.Name == "ops").ContainerPort;

        foreach (var (probe, path) in new[] { (silo.StartupProbe, OpsServer.LivePath), (silo.LivenessProbe, OpsServer.LivePath), (silo.ReadinessProbe, OpsServer.ReadyPath) })
        {
            probe.Should().NotBeNull();
            probe.HttpGet.Path.Should().Be(path);
            probe.HttpGet.Port.Value.Should().Be("ops");
        }
        silo.StartupProbe.FailureThreshold.Should().BeGreaterThan(silo.LivenessProbe.FailureThreshold ?? 3, "start-up (migrations, joining) gets longer than a live silo");
        var annotations = manifests.BaseSilo.Spec.Template.Metadata.Annotations;
        annotations["prometheus.io/scrape"].Should().Be("true");
        annotations["prometheus.io/port"].Should().Be(opsPort.ToString());
        annotations["prometheus.io/path"].Should().Be(OpsServer.MetricsPath);
        silo.Resources.Requests.Should().ContainKeys("cpu", "memory");
        silo.Resources.Limits.Should().ContainKey("memory");
    }

    [Fact]
    public async Task EverySettingTheManifestsGiveTheSiloBindsToItsOptions()
    {
        var manifests = await Manifests.LoadAsync();
        var names = manifests.SiloConfigMap.Data.Keys
            .Concat(manifests.SiloDeployments().SelectMany(d => d.Spec.Template.Spec.Containers).SelectMany(c => c.Env ?? []).Select(e => e.Name))
            .Distinct().ToList();
        var keys = names.Where(n => n.StartsWith("Osr__", StringComparison.Ordinal)).Select(n => n.Replace("__", ":")).ToList();

        names.Where(n => !n.StartsWith("Osr__", StringComparison.Ordinal)).Should().BeSubsetOf(OtherVariables);
        keys.Should().Contain(ExternalBrokerKeys, "the external-broker overlay sets them");
        var sections = OptionsSections();
        foreach (var group in keys.GroupBy(k => string.Join(':', k.Split(':').Take(2))))
        {
            sections.Should().ContainKey(group.Key, $"{group.First()} belongs to an options section of the silo");
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(group.Select(k => KeyValuePair.Create(k, (string?)Sample(manifests, k)))).Build();
            var bind = () => configuration.GetSection(group.Key).Get(sections[group.Key], o => o.ErrorOnUnknownConfiguration = true);
            bind.Should().NotThrow($"{string.Join(", ", group)} must be properties of {sections[group.Key].Name} with values of their type");
        }
    }

    [Fact]
    public async Task TheConfigMapIsAValidKubernetesModeSilo()
    {
        var manifests = await Manifests.LoadAsync();
        var settings = Settings(manifests.SiloConfigMap.Data);
        var dev = manifests.Single<V1Secret>("osr-db", Path.Combine("overlays", "dev", "secret.yaml"));
        manifests.BaseSiloContainer.Env.Should().Contain(e => e.Name == "Osr__Storage__ConnectionString"
            && e.ValueFrom.SecretKeyRef.Name == dev.Metadata.Name && dev.StringData.ContainsKey(e.ValueFrom.SecretKeyRef.Key));
        settings["Osr:Storage:ConnectionString"] = dev.StringData["connection-string"];
        var storage = Bind<OsrStorageOptions>(settings, OsrStorageOptions.Section);
        var cluster = Bind<OsrClusterOptions>(settings, OsrClusterOptions.Section);
        var pod = new KubernetesPod("osr-silo-0", "osr", "10.42.0.9", OsrClusterOptions.ServiceId, OsrClusterOptions.ClusterId, "10.43.0.1");

        cluster.Mode.Should().Be(ClusterMode.Kubernetes);
        new OsrStorageOptionsValidator().Validate(null, storage).Failures.Should().BeNullOrEmpty();
        new OsrClusterOptionsValidator(Microsoft.Extensions.Options.Options.Create(storage), pod).Validate(null, cluster).Failures.Should().BeNullOrEmpty();
        new MqttOptionsValidator().Validate(null, Bind<MqttOptions>(settings, MqttOptions.Section)).Failures.Should().BeNullOrEmpty();
        new OpsOptionsValidator().Validate(null, Bind<OpsOptions>(settings, OpsOptions.Section)).Failures.Should().BeNullOrEmpty();
    }

    [Fact]
    public async Task ThePodHandsOrleansItsIdentityThroughTheDownwardApi()
    {
        var manifests = await Manifests.LoadAsync();
        var template = manifests.BaseSilo.Spec.Template;
        var env = manifests.BaseSiloContainer.Env.Where(e => e.ValueFrom?.FieldRef is not null).ToDictionary(e => e.Name, e => e.ValueFrom.FieldRef.FieldPath);

        env.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            [KubernetesPod.NameVariable] = "metadata.name",
            [KubernetesPod.NamespaceVariable] = "metadata.namespace",
            [KubernetesPod.IPVariable] = "status.podIP",
            [KubernetesPod.ServiceIdVariable] = $"metadata.labels['{KubernetesPod.ServiceIdLabel}']",
            [KubernetesPod.ClusterIdVariable] = $"metadata.labels['{KubernetesPod.ClusterIdLabel}']",
        });
        template.Metadata.Labels[KubernetesPod.ServiceIdLabel].Should().Be(OsrClusterOptions.ServiceId);
        template.Metadata.Labels[KubernetesPod.ClusterIdLabel].Should().Be(OsrClusterOptions.ClusterId);
        Settings(manifests.SiloConfigMap.Data)["Osr:Cluster:Mode"].Should().Be(nameof(ClusterMode.Kubernetes));
    }

    [Fact]
    public async Task TheServiceAccountMayDoWhatOrleansKubernetesHostingDoesWithPods()
    {
        var manifests = await Manifests.LoadAsync();
        var account = manifests.BaseSilo.Spec.Template.Spec.ServiceAccountName;
        manifests.Single<V1ServiceAccount>(account);

        var roles = manifests.All<V1RoleBinding>()
            .Where(b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == account) && b.RoleRef.Kind == "Role")
            .Select(b => manifests.Single<V1Role>(b.RoleRef.Name)).ToList();
        var verbs = roles.SelectMany(r => r.Rules).Where(r => r.ApiGroups.Contains("") && r.Resources.Contains("pods")).SelectMany(r => r.Verbs).ToHashSet();

        verbs.Should().Contain(["get", "list", "watch", "patch", "delete"]);
    }

    [Fact]
    public async Task TheSiloAndGatewayPortsStayInsideAndMqttReachesDevices()
    {
        var manifests = await Manifests.LoadAsync();
        var silo = manifests.BaseSiloContainer;
        var named = silo.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        var internalPorts = new[] { named["silo"], named["gateway"] };
        var policy = manifests.All<V1NetworkPolicy>().Should().ContainSingle(p => p.Spec.PodSelector.MatchLabels["app"] == Manifests.SiloName).Subject;

        policy.Spec.PolicyTypes.Should().Contain("Ingress");
        foreach (var rule in policy.Spec.Ingress)
        {
            var ports = rule.Ports?.Select(p => int.Parse(p.Port.Value)).ToList();
            if (ports is not null && !ports.Intersect(internalPorts).Any()) continue;
            rule.FromProperty.Should().NotBeNullOrEmpty("a rule that opens the silo or gateway port names who may connect");
            rule.FromProperty.Should().OnlyContain(peer => peer.PodSelector != null && peer.NamespaceSelector == null && peer.IpBlock == null,
                "only pods of this namespace reach the silo and gateway ports");
        }
        var open = policy.Spec.Ingress.Where(r => r.FromProperty is null || r.FromProperty.Count == 0).SelectMany(r => r.Ports).Select(p => int.Parse(p.Port.Value));
        open.Should().Contain([named["mqtt"], named["mqtts"]], "devices connect from anywhere");

        var exposed = manifests.All<V1Service>().Where(s => s.Spec?.Type is "LoadBalancer" or "NodePort").ToList();
        exposed.Should().ContainSingle(s => s.Metadata.Name == "osr-mqtt");
        foreach (var port in exposed.SelectMany(s => s.Spec.Ports))
        {
            var target = port.TargetPort?.Value is { } t ? (named.TryGetValue(t, out var byName) ? byName : int.Parse(t)) : port.Port;
            internalPorts.Should().NotContain(target, "no outside Service leads to the silo or gateway port");
            internalPorts.Should().NotContain(port.Port);
        }
        manifests.All<V1Service>().Where(s => s.Spec?.Type is "LoadBalancer").SelectMany(s => s.Spec.Ports).Select(p => p.Port)
            .Should().BeEquivalentTo([named["mqtt"], named["mqtts"]]);
    }

    [Fact]
    public async Task PostgreSqlAndTheMigrationJobMatchTheAdminCommand()
    {
        var manifests = await Manifests.LoadAsync();
        var job = manifests.Single<V1Job>("osr-db-migrate");
        var container = job.Spec.Template.Spec.Containers.Should().ContainSingle().Subject;

        container.Image.Should().Be(Manifests.AdminImage);
        container.Args.Take(3).Should().Equal("db", "migrate", "--connection");
        job.Spec.Template.Metadata.Labels["osr/admin"].Should().Be("true", "the network policies let admin pods reach the gateway and the database");
        manifests.Single<V1StatefulSet>("osr-postgres").Spec.VolumeClaimTemplates.Should().NotBeEmpty("the dev database keeps its data across restarts");
        manifests.Single<V1PodDisruptionBudget>(Manifests.SiloName).Spec.MaxUnavailable.Value.Should().Be("1");
        var hpa = manifests.Single<V2HorizontalPodAutoscaler>(Manifests.SiloName, Path.Combine("base", "hpa.yaml"));
        (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name).Should().Be(("Deployment", Manifests.SiloName));
        hpa.Spec.MinReplicas.Should().BeGreaterThanOrEqualTo(2, "a cluster keeps serving while one silo restarts");
        manifests.Objects.Where(o => o.File.Contains(Path.Combine("overlays", "external-broker"), StringComparison.Ordinal))
            .Select(o => o.Object).Should().NotContain(o => o is V2HorizontalPodAutoscaler,
                "External mode runs as many silos as the base: a device's reordered messages are each applied once (seq window)");
    }

    /// <summary>A value for binding a key: the ConfigMap's or a literal env value, else a sample of the right kind for secrets.</summary>
    private static string Sample(Manifests manifests, string key)
    {
        var name = key.Replace(":", "__");
        if (manifests.SiloConfigMap.Data.TryGetValue(name, out var value)) return value;
        var env = manifests.SiloDeployments().SelectMany(d => d.Spec.Template.Spec.Containers).SelectMany(c => c.Env ?? []).First(e => e.Name == name);
        return env.Value ?? "from-a-secret";
    }

    private static Dictionary<string, string?> Settings(IDictionary<string, string> data) =>
        data.Where(p => p.Key.StartsWith("Osr__", StringComparison.Ordinal)).ToDictionary(p => p.Key.Replace("__", ":"), p => (string?)p.Value);

    private static T Bind<T>(Dictionary<string, string?> settings, string section) where T : new() =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(section).Get<T>(o => o.ErrorOnUnknownConfiguration = true) ?? new T();

    /// <summary>Every options class of the silo, the grains and the models, by its section (<c>Section</c> or <c>SectionName</c>).</summary>
    private static Dictionary<string, Type> OptionsSections() =>
        new[] { typeof(MqttOptions).Assembly, typeof(IngestOptions).Assembly, typeof(FilterOptions).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static) ?? t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.GetRawConstantValue() is string s && s.StartsWith("Osr:", StringComparison.Ordinal))
            .ToDictionary(x => (string)x.Field!.GetRawConstantValue()!, x => x.Type);

    [Fact]
    public async Task TheClusterMosquittoRunsTheRepositoryConfigurationExceptForPaths()
    {
        // kustomize cannot load deploy/mosquitto from inside deploy/k8s, so the overlay carries a copy; only the lines
        // that name places (the image's paths, where logs go) may differ from deploy/mosquitto/mosquitto.conf.
        var manifests = await Manifests.LoadAsync();
        var cluster = manifests.Single<V1ConfigMap>("osr-mosquitto").Data["mosquitto.conf"];
        var repository = await File.ReadAllTextAsync(Path.Combine(Infrastructure.RepoPaths.Root, "deploy", "mosquitto", "mosquitto.conf"));

        Directives(cluster).Should().BeEquivalentTo(Directives(repository));
    }

    private static readonly string[] PathDirectives = ["persistence_location", "plugin", "plugin_opt_config_file", "log_dest"];

    /// <summary>A Mosquitto configuration's directives without comments, and without those that name paths.</summary>
    private static List<string> Directives(string conf) =>
        conf.Split('\n').Select(l => (l.Contains('#', StringComparison.Ordinal) ? l[..l.IndexOf('#', StringComparison.Ordinal)] : l).Trim())
            .Where(l => l.Length > 0 && !PathDirectives.Contains(l.Split(' ')[0])).ToList();
}
