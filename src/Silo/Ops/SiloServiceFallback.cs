using Microsoft.Extensions.DependencyInjection;

namespace Osr.Orleans.Silo.Ops;

/// <summary>
/// The ops web host's service provider: its own services first, then the silo's. The ops port is a small web host of
/// its own (so it can be off, and starts after the silo joined), yet the Orleans Dashboard's endpoints resolve the
/// silo's services (its grain factory, its dashboard assets and log stream) from the request's services; this lets
/// them, without copying registrations whose types are internal to the dashboard package.
/// </summary>
internal sealed class SiloServiceFallbackFactory(IServiceProvider silo) : IServiceProviderFactory<IServiceCollection>
{
    public IServiceCollection CreateBuilder(IServiceCollection services) => services;

    public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) =>
        new SiloServiceFallback(containerBuilder.BuildServiceProvider(), silo, owns: true);
}

internal sealed class SiloServiceFallback(IServiceProvider own, IServiceProvider silo, bool owns)
    : IServiceProvider, IKeyedServiceProvider, IServiceScopeFactory, IServiceProviderIsKeyedService, IDisposable, IAsyncDisposable
{
    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(IServiceProvider) || serviceType == typeof(IServiceScopeFactory)
            || serviceType == typeof(IServiceProviderIsService) || serviceType == typeof(IServiceProviderIsKeyedService)
            || serviceType == typeof(IKeyedServiceProvider))
            return this;
        return own.GetService(serviceType) ?? silo.GetService(serviceType);
    }

    public object? GetKeyedService(Type serviceType, object? serviceKey) =>
        (own as IKeyedServiceProvider)?.GetKeyedService(serviceType, serviceKey)
        ?? (silo as IKeyedServiceProvider)?.GetKeyedService(serviceType, serviceKey);

    public object GetRequiredKeyedService(Type serviceType, object? serviceKey) =>
        GetKeyedService(serviceType, serviceKey)
        ?? throw new InvalidOperationException($"No service for type '{serviceType}' with key '{serviceKey}' in the ops host or the silo.");

    public bool IsService(Type serviceType) => Is(own, serviceType) || Is(silo, serviceType);

    public bool IsKeyedService(Type serviceType, object? serviceKey) =>
        (own.GetService<IServiceProviderIsKeyedService>()?.IsKeyedService(serviceType, serviceKey) ?? false)
        || (silo.GetService<IServiceProviderIsKeyedService>()?.IsKeyedService(serviceType, serviceKey) ?? false);

    /// <summary>A request scope: the ops host's scope, falling back to the silo's (singleton) services.</summary>
    public IServiceScope CreateScope() => new Scope(own.CreateScope(), silo);

    public void Dispose()
    {
        if (owns && own is IDisposable d) d.Dispose();
    }

    public ValueTask DisposeAsync() =>
        owns && own is IAsyncDisposable d ? d.DisposeAsync() : ValueTask.CompletedTask;

    private static bool Is(IServiceProvider provider, Type serviceType) =>
        provider.GetService<IServiceProviderIsService>()?.IsService(serviceType) ?? false;

    private sealed class Scope(IServiceScope inner, IServiceProvider silo) : IServiceScope, IAsyncDisposable
    {
        public IServiceProvider ServiceProvider { get; } = new SiloServiceFallback(inner.ServiceProvider, silo, owns: false);

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner is IAsyncDisposable d ? d.DisposeAsync() : ValueTask.CompletedTask;
    }
}
