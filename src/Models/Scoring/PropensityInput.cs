using Osr.Orleans.Models.Features;

namespace Osr.Orleans.Models.Scoring;

/// <summary>
/// One (state, item) input to the propensity model: the user's activity label and features at
/// decision time and the candidate item's category (free text from the catalog; a category
/// the model has not seen maps to its "other" slot).
/// </summary>
public readonly record struct PropensityInput(ActivityLabel Label, FeatureVector Features, string Category);
