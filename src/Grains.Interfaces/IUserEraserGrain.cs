namespace Osr.Orleans.Grains.Interfaces;

/// <summary>
/// Erases one user everywhere (key = user id): devices (sessions closed), grain state, interactions,
/// decisions, feedback, the outbox entries of the user's notifications, and the user's audit entries (redacted). Idempotent, and safe to
/// call again after a partial failure: the parts are removed in an order where whatever is left
/// still leads to the rest (the user's grain, which lists the devices, goes last).
/// </summary>
[Alias("osr.IUserEraserGrain")]
public interface IUserEraserGrain : IGrainWithStringKey
{
    [Alias("Forget")]
    ValueTask<UserErasure> ForgetAsync();
}

/// <summary>What <see cref="IUserEraserGrain.ForgetAsync"/> removed; <see cref="Known"/> false when nothing of the user was stored.</summary>
[GenerateSerializer, Immutable, Alias("osr.user-erasure")]
public sealed record UserErasure(
    [property: Id(0)] string UserId,
    [property: Id(1)] bool Known,
    [property: Id(2)] int Devices,
    [property: Id(3)] int GrainStates,
    [property: Id(4)] long Interactions,
    [property: Id(5)] long Decisions,
    [property: Id(6)] long Feedback,
    [property: Id(7)] long OutboxEntries,
    [property: Id(8)] long Segments,
    [property: Id(9)] long AuditEntries = 0);
