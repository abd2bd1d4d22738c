using Microsoft.Extensions.Options;
using Osr.Orleans.Models.Filtering;

namespace Osr.Orleans.Grains.Options;

/// <summary>
/// Validates the filter bank's settings bound from <c>Osr:Filter</c> (<see cref="FilterOptions"/>:
/// process noise per channel, gate, gaps, the process-noise horizon and
/// <c>Osr:Filter:Adaptation:*</c>) at silo start, with the ranges of
/// <see cref="FilterOptions.Validate"/>, so a bad value stops the silo with one line instead of
/// failing the first user's filter.
/// </summary>
public sealed class FilterOptionsValidator : IValidateOptions<FilterOptions>
{
    public ValidateOptionsResult Validate(string? name, FilterOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(e => $"{FilterOptions.SectionName}:{e}"));
    }
}
