using System.Globalization;
using System.Xml.Linq;

namespace Osr.Orleans.UnitTests.Filtering;

/// <summary>One point of a recorded track; NaN where the file has no value.</summary>
/// <param name="Time">UTC time of the point.</param>
/// <param name="Lat">Latitude, degrees.</param>
/// <param name="Lon">Longitude, degrees.</param>
/// <param name="Hr">Heart rate, bpm.</param>
/// <param name="Cadence">Cadence as written in the file (Garmin writes one foot's rpm for running).</param>
/// <param name="Speed">Speed, m/s.</param>
public sealed record TrackPoint(DateTimeOffset Time, double Lat, double Lon, double Hr, double Cadence, double Speed);

/// <summary>
/// Minimal reader of GPX 1.1 (<c>trkpt</c> with Garmin TrackPointExtension <c>hr</c>, <c>cad</c>,
/// <c>speed</c>) and TCX (<c>Trackpoint</c> with <c>Position</c>, <c>HeartRateBpm/Value</c>,
/// <c>Cadence</c>, extension <c>Speed</c>). Elements are matched by local name, so the
/// namespace prefixes various exporters use do not matter. Points without a time are skipped;
/// file order is kept (the filter must cope with whatever order the device wrote).
/// </summary>
public static class TrackReader
{
    public static IReadOnlyList<TrackPoint> Read(string path)
    {
        var document = XDocument.Load(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".gpx" => ReadGpx(document),
            ".tcx" => ReadTcx(document),
            var other => throw new NotSupportedException($"Unknown track format '{other}'."),
        };
    }

    private static List<TrackPoint> ReadGpx(XDocument document)
    {
        var points = new List<TrackPoint>();
        foreach (var pt in Descendants(document.Root!, "trkpt"))
        {
            var time = Child(pt, "time");
            if (time is null)
            {
                continue;
            }

            points.Add(new TrackPoint(
                ParseTime(time.Value),
                Number(pt.Attribute("lat")?.Value),
                Number(pt.Attribute("lon")?.Value),
                Number(Descendants(pt, "hr").FirstOrDefault()?.Value),
                Number(Descendants(pt, "cad").FirstOrDefault()?.Value),
                Number(Descendants(pt, "speed").FirstOrDefault()?.Value)));
        }

        return points;
    }

    private static List<TrackPoint> ReadTcx(XDocument document)
    {
        var points = new List<TrackPoint>();
        foreach (var pt in Descendants(document.Root!, "Trackpoint"))
        {
            var time = Child(pt, "Time");
            if (time is null)
            {
                continue;
            }

            var position = Child(pt, "Position");
            points.Add(new TrackPoint(
                ParseTime(time.Value),
                Number(position is null ? null : Child(position, "LatitudeDegrees")?.Value),
                Number(position is null ? null : Child(position, "LongitudeDegrees")?.Value),
                Number(Child(pt, "HeartRateBpm") is { } hr ? Child(hr, "Value")?.Value : null),
                Number(Child(pt, "Cadence")?.Value),
                Number(Descendants(pt, "Speed").FirstOrDefault()?.Value)));
        }

        return points;
    }

    private static IEnumerable<XElement> Descendants(XElement element, string localName) =>
        element.Descendants().Where(e => e.Name.LocalName == localName);

    private static XElement? Child(XElement element, string localName) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();

    private static double Number(string? text) =>
        text is not null && double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : double.NaN;
}
