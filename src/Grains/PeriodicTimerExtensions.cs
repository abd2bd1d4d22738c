namespace Osr.Orleans.Grains;

internal static class PeriodicTimerExtensions
{
    /// <summary>The next tick; false (instead of an exception) once <paramref name="token"/> asks to stop.</summary>
    public static async Task<bool> NextTickOrStopAsync(this PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
