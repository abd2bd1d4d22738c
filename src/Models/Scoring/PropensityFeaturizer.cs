using Osr.Orleans.Models.Features;

namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// Turns a <see cref="PropensityInput"/> (label, features, category) into the float vector x of
/// the propensity model. With K = C + 1 category slots (the model's C categories in
/// <see cref="Categories"/> order, then one "other" slot for any category not in the
/// vocabulary), the layout is:
/// <list type="table">
/// <item><term>[0, 13)</term><description>state features in <see cref="FeatureVector.Names"/> order, clipped to a plausible
/// range [lo, hi] and scaled to ~unit range: x = (t(clip(v)) − c) / s with t = identity or ln(1 + v) for the
/// heavy-tailed ones (speed, acc, minutesInActivity, minutesSinceWorkout, positionStd); NaN → 0.</description></item>
/// <item><term>[13, 26)</term><description>missing indicators: 1 when the feature is NaN, else 0.</description></item>
/// <item><term>[26, 33)</term><description>label one-hot over the 7 <see cref="ActivityLabel"/> values (Unknown … Sleep).</description></item>
/// <item><term>[33, 33 + K)</term><description>category one-hot (slot C = "other").</description></item>
/// <item><term>[33 + K, 33 + 8K)</term><description>category × label: 1 at 33 + K + 7k + label.</description></item>
/// <item><term>[33 + 8K, 33 + 12K)</term><description>category × (intensity, recovery, sin h, cos h) at 33 + 8K + 4k + j:
/// intensity clipped to [0, 1.5] (0 if unknown); recovery = 1 when minutesSinceWorkout ≤ 60 (0 if unknown);
/// sin(2πh/24), cos(2πh/24) of the local hour h (0 if unknown).</description></item>
/// </list>
/// Dimension D = 33 + 12K = 45 + 12C (117 for 6 categories). The vector never holds NaN or ±∞.
/// Categories match ordinally (case-sensitive). The layout is stable for a given category list:
/// a stored model's weights are only meaningful with the same list (<see cref="PropensityManifest.Categories"/>).
/// </summary>
public sealed class PropensityFeaturizer
{
    /// <summary>Number of state features (<see cref="FeatureVector.Count"/>).</summary>
    public const int StateFeatures = FeatureVector.Count;

    /// <summary>Number of activity labels (Unknown … Sleep).</summary>
    public const int Labels = 7;

    /// <summary>Values per category in the category × state block (intensity, recovery, sin h, cos h).</summary>
    public const int CategoryStateTerms = 4;

    /// <summary>minutesSinceWorkout at or below which the recovery-window indicator is 1.</summary>
    public const double RecoveryWindowMinutes = 60;

    /// <summary>Name of the "other" category slot in <see cref="FeatureNames"/>.</summary>
    public const string OtherCategory = "(other)";

    private const int MissingOffset = StateFeatures;
    private const int LabelOffset = 2 * StateFeatures;
    private const int CategoryOffset = LabelOffset + Labels;

    // Per state feature: clip range, ln(1 + v) or not, centre and scale (after the transform).
    private static readonly double[] Lo = [30, 0, -30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly double[] Hi = [220, 1.3, 30, 60, 220, 100, 1.5, 1440, 10080, 24, 6, 50, 10000];
    private static readonly bool[] Log = [false, false, false, true, false, true, false, true, true, false, false, false, true];
    private static readonly double[] Centre = [80, 0.5, 0, 1, 80, 1, 0.5, 3, 5, 12, 3, 3, 3];
    private static readonly double[] Scale = [40, 0.25, 10, 1, 60, 1, 0.5, 2, 2, 7, 2, 5, 2];

    private readonly string[] _categories;
    private readonly Dictionary<string, int> _index;
    private readonly int _crossLabelOffset;
    private readonly int _crossStateOffset;
    private string[]? _featureNames;

    /// <summary>A featurizer over <paramref name="categories"/> (non-empty, distinct names; may be an empty list).</summary>
    public PropensityFeaturizer(IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        _categories = [.. categories];
        _index = new Dictionary<string, int>(_categories.Length, StringComparer.Ordinal);
        for (var k = 0; k < _categories.Length; k++)
        {
            var category = _categories[k];
            if (string.IsNullOrWhiteSpace(category))
            {
                throw new ArgumentException($"Category {k} is empty.", nameof(categories));
            }

            if (!_index.TryAdd(category, k))
            {
                throw new ArgumentException($"Category '{category}' appears twice.", nameof(categories));
            }
        }

        Categories = Array.AsReadOnly(_categories);
        CategorySlots = _categories.Length + 1;
        _crossLabelOffset = CategoryOffset + CategorySlots;
        _crossStateOffset = _crossLabelOffset + (Labels * CategorySlots);
        Dimension = _crossStateOffset + (CategoryStateTerms * CategorySlots);
    }

    /// <summary>The model's category vocabulary, in slot order.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>K = number of categories + 1 ("other").</summary>
    public int CategorySlots { get; }

    /// <summary>D = 33 + 12K, the length of the encoded vector.</summary>
    public int Dimension { get; }

    /// <summary>
    /// A name for every slot of the vector, e.g. <c>hr</c>, <c>hr.missing</c>, <c>label=rest</c>,
    /// <c>category=drinks</c>, <c>category=drinks×label=rest</c>, <c>category=drinks×recovery</c>
    /// (for explaining weights).
    /// </summary>
    public IReadOnlyList<string> FeatureNames => _featureNames ??= BuildNames();

    /// <summary>The category slot of <paramref name="category"/>: its index, or C ("other") when unknown or null.</summary>
    public int SlotOf(string? category) =>
        category is not null && _index.TryGetValue(category, out var k) ? k : _categories.Length;

    /// <summary>
    /// Writes x into the first <see cref="Dimension"/> elements of <paramref name="destination"/>
    /// (layout in the class summary). Does not allocate.
    /// </summary>
    public void Encode(in PropensityInput input, Span<float> destination)
    {
        if (destination.Length < Dimension)
        {
            throw new ArgumentException($"destination needs {Dimension} elements, has {destination.Length}.", nameof(destination));
        }

        var x = destination[..Dimension];
        x.Clear();
        var f = input.Features;
        for (var i = 0; i < StateFeatures; i++)
        {
            var v = f[i];
            if (double.IsNaN(v))
            {
                x[MissingOffset + i] = 1f;
                continue;
            }

            var clipped = Math.Clamp(v, Lo[i], Hi[i]);
            var t = Log[i] ? Math.Log(1 + clipped) : clipped;
            x[i] = (float)((t - Centre[i]) / Scale[i]);
        }

        var label = (int)input.Label;
        if ((uint)label >= Labels)
        {
            label = (int)ActivityLabel.Unknown;
        }

        x[LabelOffset + label] = 1f;
        var k = SlotOf(input.Category);
        x[CategoryOffset + k] = 1f;
        x[_crossLabelOffset + (Labels * k) + label] = 1f;

        var cross = _crossStateOffset + (CategoryStateTerms * k);
        var intensity = f.Intensity;
        if (!double.IsNaN(intensity))
        {
            x[cross] = (float)Math.Clamp(intensity, 0, 1.5);
        }

        if (f.MinutesSinceWorkout <= RecoveryWindowMinutes)
        {
            x[cross + 1] = 1f; // NaN compares false: unknown → 0
        }

        var hour = f.LocalHour;
        if (double.IsFinite(hour))
        {
            var (sin, cos) = Math.SinCos(2 * Math.PI * hour / 24);
            x[cross + 2] = (float)sin;
            x[cross + 3] = (float)cos;
        }
    }

    private string[] BuildNames()
    {
        var names = new string[Dimension];
        for (var i = 0; i < StateFeatures; i++)
        {
            names[i] = FeatureVector.Names[i];
            names[MissingOffset + i] = FeatureVector.Names[i] + ".missing";
        }

        for (var l = 0; l < Labels; l++)
        {
            names[LabelOffset + l] = "label=" + ((ActivityLabel)l).Name();
        }

        string[] terms = ["intensity", "recovery", "hour.sin", "hour.cos"];
        for (var k = 0; k < CategorySlots; k++)
        {
            var category = "category=" + (k < _categories.Length ? _categories[k] : OtherCategory);
            names[CategoryOffset + k] = category;
            for (var l = 0; l < Labels; l++)
            {
                names[_crossLabelOffset + (Labels * k) + l] = category + "×label=" + ((ActivityLabel)l).Name();
            }

            for (var j = 0; j < CategoryStateTerms; j++)
            {
                names[_crossStateOffset + (CategoryStateTerms * k) + j] = category + "×" + terms[j];
            }
        }

        return names;
    }
}
