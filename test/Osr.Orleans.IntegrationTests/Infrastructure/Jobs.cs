using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.IntegrationTests.Infrastructure;

internal static class Jobs
{
    /// <summary>Starts training <paramref name="kind"/> and waits (bounded, 60 s) for the registry to report the outcome.</summary>
    public static async Task<TrainingJob> TrainAsync(IGrainFactory grains, string kind, bool promoteIfBetter = true)
    {
        var registry = grains.GetGrain<IModelRegistryGrain>(GrainKeys.Global);
        var job = await registry.StartTrainingAsync(kind, promoteIfBetter);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (job.State == TrainingState.Running && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            job = (await registry.GetJobAsync(job.JobId))!;
        }
        return job;
    }
}
