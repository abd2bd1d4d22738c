using Osr.Orleans.Grains.Interfaces;

namespace Osr.Orleans.Client.Csv;

/// <summary>
/// One row of a devices CSV (docs/contract.md "Files": <c>deviceId,userId,kind</c>). The kind is free
/// (unknown kinds are allowed, the silo uses a default noise profile) but must be a valid id; empty
/// means <see cref="DefaultKind"/>.
/// </summary>
public sealed record DeviceRow(int Line, string DeviceId, string UserId, string Kind)
{
    public const string DefaultKind = "watch";

    private static readonly string[] Required = ["deviceId", "userId"];
    private static readonly string[] Optional = ["kind"];

    /// <summary>Checks the whole file (header, field counts, ids, duplicate device ids) and reports every problem.</summary>
    public static CsvValidation<DeviceRow> ValidateAll(CsvTable table)
    {
        var errors = new List<RowError>();
        var rows = new List<DeviceRow>(table.Rows.Count);
        var columns = CsvColumns.Resolve(table.Header, Required, Optional, errors);
        if (columns is null) return new CsvValidation<DeviceRow>(rows, errors);
        if (table.Rows.Count == 0) errors.Add(new RowError(table.Header.Line, "the file has a header but no devices"));

        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in table.Rows)
        {
            if (!columns.HasAllFields(record, errors)) continue;
            var deviceId = columns.Get(record, "deviceId");
            var userId = columns.Get(record, "userId");
            var kind = columns.Get(record, "kind");
            if (kind.Length == 0) kind = DefaultKind;

            var ok = true;
            if (!GrainKeys.IsValidId(deviceId))
            {
                errors.Add(new RowError(record.Line, GrainKeys.InvalidIdMessage("device id", deviceId)));
                ok = false;
            }
            else if (!firstLine.TryAdd(deviceId, record.Line))
            {
                errors.Add(new RowError(record.Line, $"device '{deviceId}' is listed twice (first on line {firstLine[deviceId]})"));
                ok = false;
            }

            if (!GrainKeys.IsValidId(userId))
            {
                errors.Add(new RowError(record.Line, GrainKeys.InvalidIdMessage("user id", userId)));
                ok = false;
            }

            if (!GrainKeys.IsValidId(kind))
            {
                errors.Add(new RowError(record.Line, GrainKeys.InvalidIdMessage("device kind", kind)));
                ok = false;
            }

            if (ok) rows.Add(new DeviceRow(record.Line, deviceId, userId, kind));
        }

        return new CsvValidation<DeviceRow>(rows, errors);
    }

    /// <summary>The error for a device that the cluster already has for another user.</summary>
    public RowError OwnedBy(string otherUserId) =>
        new(Line, $"device '{DeviceId}' is already registered to user '{otherUserId}', not '{UserId}'");
}
