using System.Globalization;
using Osr.Orleans.Client.Cli;

namespace Osr.Orleans.Benchmarks.Ingest;

/// <summary>Minimal <c>--name value</c> / <c>--flag</c> parsing for the ingest benchmark's sub-commands.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static Args Parse(IEnumerable<string> args)
    {
        var result = new Args();
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null) result._values[pending] = null;
                var eq = arg.IndexOf('=');
                if (eq > 0) result._values[arg[..eq]] = arg[(eq + 1)..];
                else pending = arg;
                if (eq > 0) pending = null;
            }
            else if (pending is not null)
            {
                result._values[pending] = arg;
                pending = null;
            }
            else
            {
                result.Positional.Add(arg);
            }
        }

        if (pending is not null) result._values[pending] = null;
        return result;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public int GetInt(string name, int fallback) =>
        Get(name) is { } s ? int.Parse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

    public double GetDouble(string name, double fallback) =>
        Get(name) is { } s ? double.Parse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture) : fallback;

    public TimeSpan GetDuration(string name, TimeSpan fallback) =>
        Get(name) is { } s ? DurationParser.TryParse(s, out var d, out var error) ? d : throw new FormatException($"{name}: {error}") : fallback;
}
