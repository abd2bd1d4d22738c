namespace Osr.Orleans.Models.Features;

/// <summary>The activity label of a user's current state (docs/architecture.md, UserStateGrain).</summary>
public enum ActivityLabel : byte
{
    Unknown = 0,
    Rest,
    Active,
    Workout,
    PostWorkout,
    Commute,
    Sleep,
}

public static class ActivityLabels
{
    /// <summary>The wire name (<c>post-workout</c>, …) used in JSON and the console.</summary>
    public static string Name(this ActivityLabel label) => label switch
    {
        ActivityLabel.Rest => "rest",
        ActivityLabel.Active => "active",
        ActivityLabel.Workout => "workout",
        ActivityLabel.PostWorkout => "post-workout",
        ActivityLabel.Commute => "commute",
        ActivityLabel.Sleep => "sleep",
        _ => "unknown",
    };
}
