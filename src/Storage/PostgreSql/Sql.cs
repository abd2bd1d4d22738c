using Npgsql;
using NpgsqlTypes;

namespace Osr.Orleans.Storage.PostgreSql;

/// <summary>Small helpers for positional (<c>$1</c>, <c>$2</c>, …) Npgsql commands.</summary>
internal static class Sql
{
    public static NpgsqlParameter<T> P<T>(T value) => new() { TypedValue = value };

    /// <summary>A nullable text parameter (NULL when <paramref name="value"/> is null).</summary>
    public static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    public static NpgsqlParameter Int(int? value) => new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)value ?? DBNull.Value };

    public static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(p);
        return command;
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(p);
        return command;
    }
}
