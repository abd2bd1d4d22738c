namespace Osr.Orleans.Grains.Recommendation;

/// <summary>Names of the propensity model kind in the registry.</summary>
public static class PropensityModels
{
    public const string Kind = "propensity";
}
