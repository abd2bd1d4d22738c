namespace Osr.Orleans.Models.Rules;

/// <summary>One scored candidate as the rules see it: the item, its category, its OSR score and its ALS factor (may be null).</summary>
public readonly record struct RuleCandidate(string ItemId, string Category, double Osr, float[]? Factor);
