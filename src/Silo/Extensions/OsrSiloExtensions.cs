using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Silo.Ingress;
using Osr.Orleans.Silo.Options;
using Osr.Orleans.Silo.Stats;
using Osr.Orleans.Silo.Storage;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Security;
using Osr.Orleans.Storage;

namespace Osr.Orleans.Silo.Extensions;

public static class OsrSiloExtensions
{
    /// <summary>Validated options for the silo's own settings (MQTT, clock, cluster, storage).</summary>
    public static IServiceCollection AddOsrSiloOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MqttOptions>().Bind(configuration.GetSection(MqttOptions.Section)).ValidateOnStart();
        services.AddOptions<ClockOptions>().Configure(o => ClockOptions.Bind(o, configuration)).ValidateOnStart();
        services.AddOptions<OsrClusterOptions>().Bind(configuration.GetSection(OsrClusterOptions.Section)).ValidateOnStart();
        services.AddOptions<OsrStorageOptions>().Bind(configuration.GetSection(OsrStorageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>();
        services.AddSingleton<IValidateOptions<ClockOptions>, ClockOptionsValidator>();
        services.AddSingleton<IValidateOptions<OsrClusterOptions>, OsrClusterOptionsValidator>();
        services.TryAddSingleton(_ => KubernetesPod.Read(Environment.GetEnvironmentVariable));
        services.AddSingleton<IValidateOptions<OsrStorageOptions>, OsrStorageOptionsValidator>();
        services.AddOptions<DataOptions>().Bind(configuration.GetSection(DataOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataOptions>, DataOptionsValidator>();
        services.AddOptions<Models.Ingress.FloodLimits>().Bind(configuration.GetSection(Models.Ingress.FloodLimits.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Models.Ingress.FloodLimits>, FloodLimitsValidator>();
        return services;
    }

    /// <summary>
    /// The project's own stores, one per port (events, decisions, rules, audit, webhook outbox, model
    /// files): PostgreSQL when <c>Osr:Storage:Mode</c> is <c>AdoNet</c>, embedded SQLite otherwise
    /// (<see cref="StorageSelection"/>), and <see cref="StorageStartup"/>, which migrates their
    /// schemas. Registered before Orleans so that they start before the first grain and stop after the last one.
    /// </summary>
    public static IServiceCollection AddOsrEventStore(this IServiceCollection services)
    {
        services.AddSingleton(sp => StorageSelection.Open(
            sp.GetRequiredService<IOptions<OsrStorageOptions>>().Value,
            sp.GetRequiredService<IOptions<DataOptions>>().Value,
            sp.GetService<IOptions<Grains.Options.ModelsOptions>>()?.Value ?? new()));
        services.AddSingleton(sp => sp.GetRequiredService<OsrStores>().Events);
        services.AddSingleton(sp => sp.GetRequiredService<OsrStores>().Decisions);
        services.AddSingleton(sp => sp.GetRequiredService<OsrStores>().Rules);
        services.AddSingleton(sp => sp.GetRequiredService<OsrStores>().Audit);
        services.AddSingleton(sp => sp.GetRequiredService<OsrStores>().Outbox);
        services.AddSingleton(sp => sp.GetRequiredService<OsrStores>().ModelFiles);
        services.AddHostedService<StorageStartup>();
        return services;
    }

    /// <summary>
    /// Orleans from <c>Osr:Cluster</c> and <c>Osr:Storage</c> (docs/operations.md): clustering
    /// (one local silo, or membership in PostgreSQL), grain state and reminders (SQLite file
    /// <c>{Osr:Data:Path}/grains.db</c>, PostgreSQL, or memory for tests) through Orleans' own
    /// ADO.NET providers, and the silo and gateway ports.
    /// </summary>
    public static IHostApplicationBuilder AddOsrOrleans(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var cluster = configuration.GetSection(OsrClusterOptions.Section).Get<OsrClusterOptions>() ?? new();
        var storage = configuration.GetSection(OsrStorageOptions.Section).Get<OsrStorageOptions>() ?? new();
        var data = configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new();
        var grains = new GrainsDatabase(data);
        // Before the silo's own hosted service: the SQLite schema exists when the providers start.
        if (storage.Mode == StorageMode.Sqlite) builder.Services.AddHostedService(_ => grains);

        builder.UseOrleans(silo =>
        {
            silo.UseOsrClustering(cluster, storage, configuration);
            silo.UseOsrClusterTls(cluster.Tls);
            silo.AddOsrGrainStorage(storage, grains);
            silo.AddOsrLiveViews();
            // Notifications reach devices connected to any silo's embedded broker.
            silo.AddGrainService<BrokerRelayService>();
        });
        builder.Services.AddSingleton<BrokerRelay>();
        builder.Services.AddOsrGrainServices(configuration);
        // Credentials that change close the device's sessions on every silo's broker.
        builder.Services.RemoveAll<Grains.Devices.IDeviceSessions>();
        builder.Services.AddSingleton<Grains.Devices.IDeviceSessions>(sp => sp.GetRequiredService<BrokerRelay>());
        // Failure detection (probe timeout, missed probes, votes): Orleans' own ClusterMembershipOptions, overridable as
        // Orleans:Membership:* (the fault tests shorten them; docs/operations.md).
        builder.Services.AddOptions<global::Orleans.Configuration.ClusterMembershipOptions>().Bind(configuration.GetSection("Orleans:Membership"));
        builder.Services.AddOptions<Grains.Options.DecisionOptions>()
            .Configure<IOptions<ClockOptions>>((d, clock) => d.ClockMode = clock.Value.Mode);
        builder.Services.AddOptions<Grains.Options.StateOptions>()
            .Configure<IOptions<ClockOptions>>((s, clock) => s.MaxEventLead = clock.Value.MaxEventLead);
        if (storage.Mode == StorageMode.Memory)
            builder.Services.PostConfigure<Grains.Options.StateOptions>(o => o.CheckpointOnShutdown = false);
        return builder;
    }

    /// <summary>
    /// Localhost (one silo), ADO.NET membership in PostgreSQL, or the same membership with Orleans' Kubernetes hosting,
    /// on the configured ports (docs/decisions.md, "Kubernetes: PostgreSQL membership, the pod's identity").
    /// </summary>
    private static void UseOsrClustering(this ISiloBuilder silo, OsrClusterOptions cluster, OsrStorageOptions storage, IConfiguration configuration)
    {
        var connectionString = string.IsNullOrWhiteSpace(cluster.ConnectionString) ? storage.ConnectionString : cluster.ConnectionString;
        // Without a connection string the validators refuse the silo before it starts, with a
        // message naming the keys; Orleans' own validator would otherwise refuse it first.
        if (cluster.Mode is not (ClusterMode.AdoNet or ClusterMode.Kubernetes) || string.IsNullOrWhiteSpace(connectionString))
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: OsrClusterOptions.ServiceId,
                clusterId: OsrClusterOptions.ClusterId);
            // One silo owns the whole grain directory, so its cache of other silos' entries saves no lookup; Orleans fills it
            // anyway with every placement and keeps the entries of deactivated grains (≈ 230 B each, two per user: the user's
            // and the departed device grain's). Still overridable as Orleans:GrainDirectory:*.
            silo.Configure<global::Orleans.Configuration.GrainDirectoryOptions>(o =>
                o.CachingStrategy = global::Orleans.Configuration.GrainDirectoryOptions.CachingStrategyType.None);
            silo.Services.AddOptions<global::Orleans.Configuration.GrainDirectoryOptions>().Bind(configuration.GetSection("Orleans:GrainDirectory"));
            return;
        }
        // Orleans' directory cache (LRU, CacheSize entries) saves a remote lookup per call between silos; its size is
        // settable as Orleans:GrainDirectory:CacheSize (docs/operations.md).
        silo.Services.AddOptions<global::Orleans.Configuration.GrainDirectoryOptions>().Bind(configuration.GetSection("Orleans:GrainDirectory"));
        silo.Configure<global::Orleans.Configuration.ClusterOptions>(o =>
        {
            o.ClusterId = OsrClusterOptions.ClusterId;
            o.ServiceId = OsrClusterOptions.ServiceId;
        });
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = AdoNetInvariants.PostgreSql;
            o.ConnectionString = connectionString;
        });
        if (cluster.Mode == ClusterMode.Kubernetes)
        {
            // The hosting names the silo after its pod (POD_NAME), advertises the pod's IP (POD_IP), listens on all
            // addresses, and declares dead the silos whose pod is gone; membership stays in PostgreSQL. Its own
            // settings (MaxAgents, DeleteDefunctSiloPods) are overridable as Orleans:Kubernetes:*.
            silo.Services.AddOptions<global::Orleans.Configuration.EndpointOptions>().Configure<KubernetesPod>((o, pod) =>
            {
                o.SiloPort = cluster.SiloPort;
                o.GatewayPort = cluster.GatewayPort;
                // A missing or unusable POD_IP is refused by the validator, naming it.
                if (IPAddress.TryParse(pod.IP, out var podIP) && !podIP.Equals(IPAddress.Any) && !podIP.Equals(IPAddress.IPv6Any))
                    o.AdvertisedIPAddress = podIP;
            });
            // The hosting reads its options and builds its API client while the silo is being built, before the
            // options are validated at start: check the settings first, so that a missing POD_* variable is reported
            // by name (exit code 2) rather than by the hosting or the API client.
            silo.UseKubernetesHosting(o => o.Bind(configuration.GetSection("Orleans:Kubernetes"))
                .Configure<IOptions<OsrClusterOptions>>((hosting, checkedCluster) => { _ = checkedCluster.Value; }));
            return;
        }
        // Several silos on one machine: each its own ports, all advertised on one address.
        var advertised = IPAddress.TryParse(cluster.AdvertisedAddress, out var address) ? address : IPAddress.Loopback;
        silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
    }

    /// <summary>
    /// Mutual TLS on every silo-to-silo and gateway connection when <c>Osr:Cluster:Tls:Certificate</c> is set (docs/operations.md,
    /// "Security"): each end shows its certificate and accepts the other's only when it chains to <c>Osr:Cluster:Tls:CA</c>
    /// (<see cref="ClusterTls.IsTrusted"/>); a client or silo without one completes no handshake, so no call. The files are
    /// read here, while the silo is built: bad settings stop it with exit code 2, naming the key.
    /// </summary>
    private static void UseOsrClusterTls(this ISiloBuilder silo, ClusterTlsSettings settings)
    {
        if (!settings.AnySet) return;
        ClusterTlsMaterial material;
        try
        {
            material = ClusterTls.Load(settings, DateTimeOffset.UtcNow);
        }
        catch (ClusterTlsException e)
        {
            throw new OptionsValidationException(ClusterTlsSettings.Section, typeof(OsrClusterOptions), e.Problems);
        }
        silo.UseTls(material.Certificate, o => ClusterTlsOptions.Apply(o, material));
    }

    /// <summary>
    /// Grain state under <see cref="StorageNames.Default"/> and the reminder table: Orleans'
    /// ADO.NET providers on SQLite or PostgreSQL (only the SQL scripts differ), or memory. The live views'
    /// stream subscriptions (<see cref="LiveStreams.PubSubStore"/>) go to the same store.
    /// </summary>
    private static void AddOsrGrainStorage(this ISiloBuilder silo, OsrStorageOptions storage, GrainsDatabase grains)
    {
        // AdoNet without a connection string is refused by the validator before the silo starts.
        if (storage.Mode == StorageMode.Memory || (storage.Mode == StorageMode.AdoNet && string.IsNullOrWhiteSpace(storage.ConnectionString)))
        {
            foreach (var name in (string[])[StorageNames.Default, LiveStreams.PubSubStore])
                silo.AddMemoryGrainStorage(name, ob => ob.Configure<global::Orleans.Serialization.Serializer>(UseBinarySerializer));
            silo.UseInMemoryReminderService();
            return;
        }
        var (invariant, connectionString) = storage.Mode == StorageMode.AdoNet
            ? (AdoNetInvariants.PostgreSql, storage.ConnectionString)
            : (AdoNetInvariants.Sqlite, grains.ConnectionString);
        foreach (var name in (string[])[StorageNames.Default, LiveStreams.PubSubStore])
        {
            silo.AddAdoNetGrainStorage(name, ob => ob.Configure<global::Orleans.Serialization.Serializer>((o, serializer) =>
            {
                o.Invariant = invariant;
                o.ConnectionString = connectionString;
                // users forget: a cleared state leaves no row behind (query DeleteStorageKey, migration 0017 / grains 0003).
                o.DeleteStateOnClear = true;
                UseBinarySerializer(o, serializer);
            }));
            if (storage.Mode == StorageMode.Sqlite) ThreadPoolGrainStorage.Decorate(silo.Services, name);
        }
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = invariant;
            o.ConnectionString = connectionString;
        });
    }

    /// <summary>
    /// Orleans' binary serializer instead of the default JSON one: checkpoints are on the hot
    /// path's allocation budget (docs/benchmarks.md).
    /// </summary>
    private static void UseBinarySerializer(global::Orleans.Storage.IStorageProviderSerializerOptions options,
        global::Orleans.Serialization.Serializer serializer) =>
        options.GrainStorageSerializer = new global::Orleans.Storage.OrleansGrainStorageSerializer(serializer);

    /// <summary>The MQTT broker (embedded, or the client of external ones) and the stats reporter, started after the silo.</summary>
    public static IHostApplicationBuilder AddOsrIngress(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IngestPipeline>();
        if (MqttOptions.TryParseMode(builder.Configuration[$"{MqttOptions.Section}:Mode"], out var mode) && mode == MqttMode.External)
        {
            // Devices connect to external brokers; the silo consumes their shared subscriptions (docs/operations.md).
            builder.Services.AddSingleton<ExternalBroker>();
            builder.Services.AddSingleton<IDeviceChannel>(sp => sp.GetRequiredService<ExternalBroker>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ExternalBroker>());
            builder.Services.RemoveAll<Grains.Devices.IDeviceSessions>();
            builder.Services.AddSingleton<Grains.Devices.IDeviceSessions, BrokerDeviceAccounts>();
        }
        else
        {
            builder.Services.AddSingleton<MqttIngress>();
            builder.Services.AddSingleton<IDeviceChannel>(sp => sp.GetRequiredService<MqttIngress>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<MqttIngress>());
        }
        builder.Services.AddHostedService<StatsReporter>();
        builder.Services.AddHostedService<Retention.RetentionScheduler>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
