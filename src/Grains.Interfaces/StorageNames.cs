namespace Osr.Orleans.Grains.Interfaces;

/// <summary>Names of the grain storage providers the silo registers.</summary>
public static class StorageNames
{
    /// <summary>Grain state (device registrations, filter checkpoints, statistics).</summary>
    public const string Default = "osr";
}
