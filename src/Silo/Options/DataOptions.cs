using Microsoft.Extensions.Options;

namespace Osr.Orleans.Silo.Options;

/// <summary>
/// Where the embedded mode keeps its files: the event store (<c>Osr:Data:Path</c>, default
/// <c>.osr/data</c> under the working directory) and the model store
/// (<c>Osr:Models:Path</c>, default <c>.osr/models</c>).
/// </summary>
public sealed class DataOptions
{
    public const string Section = "Osr:Data";

    public string Path { get; set; } = System.IO.Path.Combine(".osr", "data");
}

public sealed class DataOptionsValidator : IValidateOptions<DataOptions>
{
    public ValidateOptionsResult Validate(string? name, DataOptions o) =>
        string.IsNullOrWhiteSpace(o.Path) || o.Path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0
            ? ValidateOptionsResult.Fail($"{DataOptions.Section}:Path must be a directory path, got '{o.Path}'")
            : ValidateOptionsResult.Success;
}
