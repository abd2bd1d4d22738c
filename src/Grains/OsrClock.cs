namespace Osr.Orleans.Grains;

/// <summary>
/// The clock the grains and the ingress read (rate limits, checkpoints, reading validation).
/// A wrapper rather than a plain <see cref="TimeProvider"/> registration so that tests can fake
/// this application's time without also faking the Orleans runtime's own clock.
/// </summary>
public sealed class OsrClock(TimeProvider provider)
{
    public static OsrClock System { get; } = new(TimeProvider.System);

    public TimeProvider Provider => provider;

    public DateTimeOffset UtcNow => provider.GetUtcNow();

    public long UtcTicks => provider.GetUtcNow().UtcTicks;
}
