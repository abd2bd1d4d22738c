using System.Globalization;
using System.Net;

namespace Osr.Orleans.Client.Cli;

/// <summary>
/// Parses <c>HOST:PORT</c> (<c>127.0.0.1:30000</c>, <c>silo-0.osr:30000</c>, <c>[::1]:1883</c>) and
/// comma-separated lists of them (<c>--gateway 127.0.0.1:30000,127.0.0.1:30001</c>).
/// </summary>
public static class EndpointParser
{
    public readonly record struct HostPort(string Host, int Port)
    {
        public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
    }

    public static bool TryParse(string? text, out HostPort endpoint, out string error)
    {
        endpoint = default;
        error = $"'{text}' is not HOST:PORT (e.g. 127.0.0.1:30000)";
        if (string.IsNullOrWhiteSpace(text)) return false;

        var s = text.Trim();
        string host;
        string port;
        if (s.StartsWith('['))
        {
            var close = s.IndexOf(']');
            if (close < 0 || close + 1 >= s.Length || s[close + 1] != ':') return false;
            host = s[1..close];
            port = s[(close + 2)..];
        }
        else
        {
            var colon = s.LastIndexOf(':');
            if (colon <= 0 || s.IndexOf(':') != colon) return false;
            host = s[..colon];
            port = s[(colon + 1)..];
        }

        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c == '/')) return false;
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
        {
            error = $"'{text}': the port must be 1–65535";
            return false;
        }

        endpoint = new HostPort(host, p);
        return true;
    }

    /// <summary>A comma-separated list of <c>HOST:PORT</c>, at least one, each valid.</summary>
    public static bool TryParseList(string? text, out IReadOnlyList<HostPort> endpoints, out string error)
    {
        endpoints = [];
        error = $"'{text}' is not HOST:PORT[,HOST:PORT…] (e.g. 127.0.0.1:30000,127.0.0.1:30001)";
        if (string.IsNullOrWhiteSpace(text)) return false;
        var list = new List<HostPort>();
        foreach (var item in text.Split(','))
        {
            if (string.IsNullOrWhiteSpace(item))
            {
                error = $"'{text}': an empty entry in the list";
                return false;
            }
            if (!TryParse(item, out var endpoint, out error)) return false;
            if (!list.Contains(endpoint)) list.Add(endpoint);
        }
        endpoints = list;
        return true;
    }

    /// <summary>Resolves the host to one address (IPv4 first), so thousands of connections don't each resolve it.</summary>
    public static async Task<IPEndPoint> ResolveAsync(HostPort endpoint, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(endpoint.Host, out var ip)) return new IPEndPoint(ip, endpoint.Port);
        var addresses = await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new CliFailureException($"cannot resolve host '{endpoint.Host}'");
        return new IPEndPoint(chosen, endpoint.Port);
    }
}
