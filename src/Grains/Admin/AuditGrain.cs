using Orleans.Concurrency;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.Grains.Admin;

/// <inheritdoc cref="IAuditGrain"/>
[StatelessWorker]
public sealed class AuditGrain(IAuditLog audit) : Grain, IAuditGrain
{
    public async ValueTask<AuditEntry[]> ReadAsync(DateTimeOffset? since, int limit) =>
        [.. await audit.ReadAsync(since, limit)];
}
