namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// The admin's changes to the model registry (key <see cref="GrainKeys.Global"/>), each recorded in the audit
/// trail: <c>osr-admin model train | promote | rollback</c>. The reads (list, jobs) stay on <see cref="IModelRegistryGrain"/>.
/// </summary>
[Alias("osr.IModelAdminGrain")]
public interface IModelAdminGrain : IGrainWithStringKey
{
    [Alias("StartTraining")]
    ValueTask<TrainingJob> StartTrainingAsync(string kind, bool promoteIfBetter);

    [Alias("Promote")]
    ValueTask<RegistryResult> PromoteAsync(string kind, string version);

    [Alias("Rollback")]
    ValueTask<RegistryResult> RollbackAsync(string kind);
}
