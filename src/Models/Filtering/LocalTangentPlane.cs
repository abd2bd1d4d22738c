namespace Osr.Orleans.Models.Filtering;

/// <summary>
/// Equirectangular projection of WGS 84 latitude/longitude onto a local tangent plane around
/// an origin (φ₀, λ₀), in metres, x east and y north:
/// x = R·cos φ₀·Δλ, y = R·(φ − φ₀), with Δλ = λ − λ₀ wrapped into [−π, π) and angles in
/// radians; the inverse is φ = φ₀ + y/R, λ = λ₀ + x/(R cos φ₀). R = 6 371 008.8 m (IUGG mean
/// Earth radius). The mapping is a bijection (positions round-trip to rounding); as a metric it is
/// accurate to ≈ tan φ₀·Δφ relative in x (≈ 0.2% at 10 km north/south of φ₀ at 45°), fine for a
/// filter whose origin is the first fix of a track segment. cos φ₀ is floored at 1e-4 (within
/// ≈ 600 m of a pole the projection degenerates; not a use case here).
/// </summary>
public readonly record struct LocalTangentPlane
{
    /// <summary>R, mean Earth radius (IUGG), metres.</summary>
    public const double EarthRadiusMetres = 6_371_008.8;

    private const double DegreesToRadians = Math.PI / 180.0;

    /// <summary>Centres the plane at (<paramref name="originLatDeg"/>, <paramref name="originLonDeg"/>) degrees.</summary>
    public LocalTangentPlane(double originLatDeg, double originLonDeg)
        : this(originLatDeg, originLonDeg, Math.Max(Math.Cos(originLatDeg * DegreesToRadians), 1e-4))
    {
    }

    internal LocalTangentPlane(double originLatDeg, double originLonDeg, double cosOriginLat)
    {
        OriginLatDeg = originLatDeg;
        OriginLonDeg = originLonDeg;
        CosOriginLat = cosOriginLat;
    }

    /// <summary>φ₀, degrees.</summary>
    public double OriginLatDeg { get; }

    /// <summary>λ₀, degrees.</summary>
    public double OriginLonDeg { get; }

    /// <summary>cos φ₀ (floored at 1e-4); stored so a restored filter projects bit-identically.</summary>
    public double CosOriginLat { get; }

    /// <summary>(φ, λ) in degrees → (x east, y north) in metres.</summary>
    public void ToLocal(double latDeg, double lonDeg, out double xMetres, out double yMetres)
    {
        var dLon = lonDeg - OriginLonDeg;
        if (dLon >= 180.0)
        {
            dLon -= 360.0;
        }
        else if (dLon < -180.0)
        {
            dLon += 360.0;
        }

        xMetres = EarthRadiusMetres * CosOriginLat * dLon * DegreesToRadians;
        yMetres = EarthRadiusMetres * (latDeg - OriginLatDeg) * DegreesToRadians;
    }

    /// <summary>(x, y) metres → (φ, λ) degrees, φ clamped to [−90, 90], λ wrapped into [−180, 180).</summary>
    public void ToGeodetic(double xMetres, double yMetres, out double latDeg, out double lonDeg)
    {
        latDeg = Math.Clamp(OriginLatDeg + yMetres / EarthRadiusMetres / DegreesToRadians, -90.0, 90.0);
        lonDeg = OriginLonDeg + xMetres / (EarthRadiusMetres * CosOriginLat) / DegreesToRadians;
        if (lonDeg >= 180.0 || lonDeg < -180.0)
        {
            lonDeg -= 360.0 * Math.Floor((lonDeg + 180.0) / 360.0);
        }
    }
}
