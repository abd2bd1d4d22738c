namespace Osr.Orleans.Models.Rules;

/// <summary>
/// A user's opt-outs: of every push (<see cref="All"/>), of one channel (<see cref="Mqtt"/>,
/// <see cref="Webhook"/>), of the category in question (<see cref="Category"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("osr.optout-state")]
public readonly record struct OptOutState(
    [property: Id(0)] bool All,
    [property: Id(1)] bool Mqtt,
    [property: Id(2)] bool Webhook,
    [property: Id(3)] bool Category)
{
    /// <summary>True when no push may be sent: all, the category, or both channels.</summary>
    public bool BlocksPush => All || Category || (Mqtt && Webhook);

    /// <summary>The user-scope text form: <c>all</c>, <c>mqtt</c>, <c>webhook</c>, <c>mqtt,webhook</c> or <c>none</c>.</summary>
    public string UserValue => All ? "all" : (Mqtt, Webhook) switch
    {
        (true, true) => "mqtt,webhook",
        (true, false) => "mqtt",
        (false, true) => "webhook",
        _ => "none",
    };
}
