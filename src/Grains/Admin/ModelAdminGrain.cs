using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Admin;

/// <inheritdoc cref="IModelAdminGrain"/>
/// <remarks>
/// A promotion or roll-back records the kind's active version before and after. A training job records what was
/// started; a promotion the job makes on its own when it finishes (<c>--promote-if-better</c>, the nightly retrain) is
/// the registry's decision, logged by the registry, not an admin change.
/// </remarks>
public sealed class ModelAdminGrain(IAuditLog audit, OsrClock clock) : Grain, IModelAdminGrain
{
    private IModelRegistryGrain Registry => GrainFactory.GetGrain<IModelRegistryGrain>(GrainKeys.Global);

    public async ValueTask<TrainingJob> StartTrainingAsync(string kind, bool promoteIfBetter)
    {
        var job = await Registry.StartTrainingAsync(kind, promoteIfBetter);
        await audit.AppendAsync(new AuditEntry(0, clock.UtcNow, AdminCaller.Who(), AuditActions.ModelTrain, kind ?? "", null,
            null, AuditRecords.Training(job.Kind, job.PromoteIfBetter, job.JobId)));
        return job;
    }

    public ValueTask<RegistryResult> PromoteAsync(string kind, string version) =>
        ChangeActiveAsync(AuditActions.ModelPromote, kind, () => Registry.PromoteAsync(kind, version));

    public ValueTask<RegistryResult> RollbackAsync(string kind) =>
        ChangeActiveAsync(AuditActions.ModelRollback, kind, () => Registry.RollbackAsync(kind));

    private async ValueTask<RegistryResult> ChangeActiveAsync(string action, string kind, Func<ValueTask<RegistryResult>> change)
    {
        var before = await Registry.GetActiveAsync(kind);
        var result = await change();
        if (result.Ok)
        {
            await audit.AppendAsync(new AuditEntry(0, clock.UtcNow, AdminCaller.Who(), action, kind, null,
                AuditRecords.ActiveModel(kind, before), AuditRecords.ActiveModel(kind, result.ActiveVersion)));
        }
        return result;
    }
}
