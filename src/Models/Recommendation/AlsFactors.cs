namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Trained ALS factors: user factors X (users × k) and item factors Y (items × k), row-major
/// float32; the predicted preference is p̂_ui = x_uᵀy_i. Arrays are owned by this object; do not
/// mutate them while others read.
/// </summary>
public sealed class AlsFactors
{
    public AlsFactors(int rank, int users, int items, float[] userFactors, float[] itemFactors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(users);
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentNullException.ThrowIfNull(userFactors);
        ArgumentNullException.ThrowIfNull(itemFactors);
        if (userFactors.Length != (long)users * rank)
        {
            throw new ArgumentException($"User factors must hold users × rank = {(long)users * rank} values, not {userFactors.Length}.", nameof(userFactors));
        }

        if (itemFactors.Length != (long)items * rank)
        {
            throw new ArgumentException($"Item factors must hold items × rank = {(long)items * rank} values, not {itemFactors.Length}.", nameof(itemFactors));
        }

        Rank = rank;
        Users = users;
        Items = items;
        UserFactors = userFactors;
        ItemFactors = itemFactors;
    }

    /// <summary>k.</summary>
    public int Rank { get; }

    public int Users { get; }

    public int Items { get; }

    /// <summary>X, users × k, row-major.</summary>
    public float[] UserFactors { get; }

    /// <summary>Y, items × k, row-major.</summary>
    public float[] ItemFactors { get; }

    /// <summary>x_u.</summary>
    public ReadOnlySpan<float> User(int user) => UserFactors.AsSpan(checked(user * Rank), Rank);

    /// <summary>y_i.</summary>
    public ReadOnlySpan<float> Item(int item) => ItemFactors.AsSpan(checked(item * Rank), Rank);
}
