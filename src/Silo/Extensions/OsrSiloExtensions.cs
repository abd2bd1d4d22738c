using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Silo.Ingress;
using Osr.Orleans.Silo.Options;
using Osr.Orleans.Silo.Stats;
using Osr.Orleans.Silo.Storage;
using Osr.Orleans.Grains.Storage;
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
        services.AddSingleton<IValidateOptions<OsrStorageOptions>, OsrStorageOptionsValidator>();
        services.AddOptions<DataOptions>().Bind(configuration.GetSection(DataOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DataOptions>, DataOptionsValidator>();
        return services;
    }

    /// <summary>
    /// The project's own stores, one per port (events, decisions, rules, webhook outbox, model
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
        services.AddSingleton(sp => sp.GetRequiredService<OsrStores>().Outbox);
        services.AddSingleton(sp => sp.GetRequiredService<OsrStores>().ModelFiles);
        services.AddHostedService<StorageStartup>();
        return services;
    }

    /// <summary>Orleans: clustering, grain storage and the grains' services, from <c>Osr:Cluster</c> and <c>Osr:Storage</c>.</summary>
    public static IHostApplicationBuilder AddOsrOrleans(this IHostApplicationBuilder builder)
    {
        var cluster = builder.Configuration.GetSection(OsrClusterOptions.Section).Get<OsrClusterOptions>() ?? new();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: OsrClusterOptions.ServiceId,
                clusterId: OsrClusterOptions.ClusterId);
            // Orleans' binary serializer instead of the default JSON one: checkpoints are on the
            // hot path's allocation budget (docs/benchmarks.md).
            silo.AddMemoryGrainStorage(StorageNames.Default, ob => ob.Configure<global::Orleans.Serialization.Serializer>(
                (o, serializer) => o.GrainStorageSerializer = new global::Orleans.Storage.OrleansGrainStorageSerializer(serializer)));
            silo.UseInMemoryReminderService();
        });
        builder.Services.AddOsrGrainServices(builder.Configuration);
        builder.Services.AddOptions<Grains.Options.DecisionOptions>()
            .Configure<IOptions<ClockOptions>>((d, clock) => d.ClockMode = clock.Value.Mode);
        var storage = builder.Configuration.GetSection(OsrStorageOptions.Section).Get<OsrStorageOptions>() ?? new();
        if (storage.Mode == StorageMode.Memory)
            builder.Services.PostConfigure<Grains.Options.StateOptions>(o => o.CheckpointOnShutdown = false);
        return builder;
    }

    /// <summary>The embedded MQTT broker and the stats reporter, started after the silo.</summary>
    public static IHostApplicationBuilder AddOsrIngress(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MqttIngress>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MqttIngress>());
        builder.Services.AddHostedService<StatsReporter>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }
}
