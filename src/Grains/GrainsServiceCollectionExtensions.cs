using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Osr.Orleans.Grains.Decisions;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Grains.Push;
using Osr.Orleans.Grains.Options;
using Osr.Orleans.Grains.Recommendation;
using Osr.Orleans.Models.Filtering;

namespace Osr.Orleans.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>
    /// Registers what the grains depend on: validated options bound from configuration,
    /// this silo's counters, its checkpoint scheduler, and <see cref="OsrClock.System"/> unless a test registered
    /// its own clock first.
    /// </summary>
    public static IServiceCollection AddOsrGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section)).ValidateOnStart();
        services.AddOptions<StateOptions>().Bind(configuration.GetSection(StateOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.AddSingleton<IValidateOptions<StateOptions>, StateOptionsValidator>();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        services.AddOsrFilterOptions(configuration);
        services.TryAddSingleton(OsrClock.System);
        services.TryAddSingleton<IngestCounters>();
        services.TryAddSingleton<ActivationCounter>();
        services.TryAddSingleton<Admin.AuditOutbox>();
        services.TryAddSingleton<CheckpointScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<CheckpointScheduler>());
        services.AddOptions<AlsTrainingOptions>().Bind(configuration.GetSection(AlsTrainingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlsTrainingOptions>, AlsTrainingOptionsValidator>();
        services.AddOptions<ModelsOptions>().Bind(configuration.GetSection(ModelsOptions.Section));
        services.TryAddSingleton<ModelRepository>();
        services.TryAddSingleton<AlsTrainingService>();
        services.TryAddSingleton<ActiveModels>();
        services.AddHostedService(sp => sp.GetRequiredService<ActiveModels>());
        services.AddOptions<DecisionOptions>().Bind(configuration.GetSection(DecisionOptions.Section))
            .Configure(o =>
            {
                if (configuration.GetValue<TimeSpan?>("Osr:Push:Ttl") is { } ttl) o.PushTtl = ttl;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DecisionOptions>, DecisionOptionsValidator>();
        services.TryAddSingleton<DecisionCounters>();
        services.TryAddSingleton<RulesCache>();
        services.AddHostedService(sp => sp.GetRequiredService<RulesCache>());
        services.TryAddSingleton<RulesBroadcast>();
        services.TryAddSingleton<ScoreWindow>();
        services.AddHostedService(sp => sp.GetRequiredService<ScoreWindow>());
        services.TryAddSingleton<INotificationSink, NullNotificationSink>();
        services.TryAddSingleton<Devices.IDeviceSessions, Devices.NullDeviceSessions>();
        services.TryAddSingleton<PropensityTrainingService>();
        services.TryAddSingleton<PropensityEvaluationService>();
        services.AddOptions<LearningOptions>().Bind(configuration.GetSection(LearningOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LearningOptions>, LearningOptionsValidator>();
        services.TryAddSingleton<OnlinePosterior>();
        services.AddHostedService(sp => sp.GetRequiredService<OnlinePosterior>());
        services.TryAddSingleton<UserStateServices>();
        return services;
    }

    /// <summary>
    /// The silo's side of the live views and the rule broadcast (docs/operations.md): memory streams under
    /// <see cref="Interfaces.LiveStreams.Provider"/> (their subscriptions in the grain storage named
    /// <see cref="Interfaces.LiveStreams.PubSubStore"/>, which the caller registers) and the per-silo rules cache service.
    /// </summary>
    public static ISiloBuilder AddOsrLiveViews(this ISiloBuilder silo)
    {
        silo.AddMemoryStreams(Interfaces.LiveStreams.Provider);
        silo.AddGrainService<RulesCacheService>();
        return silo;
    }

    /// <summary>The filter bank's settings (<see cref="FilterOptions"/>) bound from
    /// <c>Osr:Filter</c> and validated at start (<see cref="FilterOptionsValidator"/>).</summary>
    public static IServiceCollection AddOsrFilterOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FilterOptions>().Bind(configuration.GetSection(FilterOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FilterOptions>, FilterOptionsValidator>());
        return services;
    }
}
