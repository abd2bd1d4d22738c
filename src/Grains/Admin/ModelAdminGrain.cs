using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Admin;

/// <inheritdoc cref="IModelAdminGrain"/>
/// <remarks>
/// The registry records a promotion or roll-back itself, storing the entry (the kind's active version before and after)
/// with the new pointer (docs/decisions.md, "Audit trail"). A training job changes no stored state when it starts, so its
/// entry — what was started — is this grain's to append. A promotion the job makes on its own when it finishes
/// (<c>--promote-if-better</c>, the nightly retrain) is the registry's decision, logged by the registry, not an admin change.
/// </remarks>
public sealed class ModelAdminGrain(IAuditLog log, AuditOutbox audit) : Grain, IModelAdminGrain
{
    private IModelRegistryGrain Registry => GrainFactory.GetGrain<IModelRegistryGrain>(GrainKeys.Global);

    public async ValueTask<TrainingJob> StartTrainingAsync(string kind, bool promoteIfBetter)
    {
        var job = await Registry.StartTrainingAsync(kind, promoteIfBetter);
        await log.AppendAsync(audit.NewEntry(AuditActions.ModelTrain, kind ?? "", null, null,
            AuditRecords.Training(job.Kind, job.PromoteIfBetter, job.JobId)));
        return job;
    }

    public ValueTask<RegistryResult> PromoteAsync(string kind, string version) => Registry.PromoteAsync(kind, version);

    public ValueTask<RegistryResult> RollbackAsync(string kind) => Registry.RollbackAsync(kind);
}
