namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// One implicit-feedback event: user <paramref name="User"/> and item <paramref name="Item"/>
/// (dense indices, see <see cref="IdMap"/>), weight w ≥ 0 (e.g. the action's confidence weight,
/// or 1 per purchase line) and time <paramref name="Timestamp"/> (Unix milliseconds, UTC; only
/// its order matters). Repeated (user, item) events are summed when a matrix is built.
/// </summary>
public readonly record struct Interaction(int User, int Item, float Weight, long Timestamp);
