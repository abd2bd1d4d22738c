using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Grains.Storage;
using Osr.Orleans.Models.Events;

namespace Osr.Orleans.Storage.Sqlite;

/// <summary>
/// <see cref="IDecisionLog"/> on the embedded <c>events.db</c> (tables <c>decisions</c>,
/// <c>feedback</c>). Decisions keep their features as a BLOB of little-endian IEEE 754 doubles
/// (NaN kept bit for bit); REAL columns hold NaN as NULL (SQLite's own conversion) and read it
/// back as NaN. Decisions and feedback (per decision and action) are inserted with
/// <c>INSERT OR IGNORE</c>: a repeated write is a no-op. Writes are group-committed.
/// </summary>
public sealed class SqliteDecisionLog(SqliteDatabase database) : IDecisionLog
{
    public SqliteDatabase Database { get; } = database;

    public Task AppendDecisionAsync(DecisionRecord decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var features = StoredFormats.EncodeFeatures(decision.Features);
        return Database.WriteAsync((connection, transaction) =>
        {
            var d = decision;
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"""
                INSERT OR IGNORE INTO decisions ({StoredFormats.DecisionColumns}) VALUES ($id, $user, $item, $category, $label, $features,
                    $decided, $state, $outcome, $reason, $affinity, $propensity, $raw, $osr, $threshold, $p, $pv, $av, $arm, $segment)
                """;
            var p = command.Parameters;
            p.AddWithValue("$id", d.DecisionId);
            p.AddWithValue("$user", d.UserId);
            p.AddWithValue("$item", d.ItemId);
            p.AddWithValue("$category", d.Category);
            p.AddWithValue("$label", d.Label);
            p.Add("$features", SqliteType.Blob).Value = features;
            p.AddWithValue("$decided", d.DecidedUtcTicks);
            p.AddWithValue("$state", d.StateUtcTicks);
            p.AddWithValue("$outcome", d.Outcome);
            p.AddWithValue("$reason", d.Reason);
            p.AddWithValue("$affinity", Real(d.Affinity));
            p.AddWithValue("$propensity", Real(d.Propensity));
            p.AddWithValue("$raw", Real(d.Raw));
            p.AddWithValue("$osr", Real(d.Osr));
            p.AddWithValue("$threshold", Real(d.Threshold));
            p.AddWithValue("$p", Real(d.SendProbability));
            p.AddWithValue("$pv", d.PropensityVersion);
            p.AddWithValue("$av", (object?)d.AlsVersion ?? DBNull.Value);
            p.AddWithValue("$arm", d.Arm);
            p.AddWithValue("$segment", (object?)d.Segment ?? DBNull.Value);
            return command.ExecuteNonQuery();
        }, cancellationToken);
    }

    public Task AppendFeedbackAsync(FeedbackRecord feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        return Database.WriteAsync((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR IGNORE INTO feedback (decision_id, user_id, action, ts) VALUES ($id, $user, $action, $ts)";
            command.Parameters.AddWithValue("$id", feedback.DecisionId);
            command.Parameters.AddWithValue("$user", feedback.UserId);
            command.Parameters.AddWithValue("$action", (int)feedback.Action);
            command.Parameters.AddWithValue("$ts", feedback.TimestampUtcTicks);
            return command.ExecuteNonQuery();
        }, cancellationToken);
    }

    public Task<DecisionRecord?> ReadDecisionAsync(string decisionId, CancellationToken cancellationToken = default) =>
        Database.ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {StoredFormats.DecisionColumns} FROM decisions WHERE decision_id = $id";
            command.Parameters.AddWithValue("$id", decisionId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadDecision(reader) : null;
        }, cancellationToken);

    public IAsyncEnumerable<DecisionWithFeedback> ReadSentDecisionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default) =>
        ReadPagesAsync(fromUtcTicks, toUtcTicks, sentOnly: true, cancellationToken);

    public IAsyncEnumerable<DecisionWithFeedback> ReadDecisionsAsync(long fromUtcTicks, long toUtcTicks, CancellationToken cancellationToken = default) =>
        ReadPagesAsync(fromUtcTicks, toUtcTicks, sentOnly: false, cancellationToken);

    private async IAsyncEnumerable<DecisionWithFeedback> ReadPagesAsync(long fromUtcTicks, long toUtcTicks, bool sentOnly,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int page = 10_000;
        var after = (Ticks: long.MinValue, Id: "");
        while (true)
        {
            var cursor = after;
            var batch = await Database.ReadAsync(c => ReadPage(c, fromUtcTicks, toUtcTicks, cursor, page, sentOnly), cancellationToken).ConfigureAwait(false);
            foreach (var item in batch)
            {
                after = (item.Decision.DecidedUtcTicks, item.Decision.DecisionId);
                yield return item;
            }
            if (batch.Count < page) yield break;
        }
    }

    private static List<DecisionWithFeedback> ReadPage(SqliteConnection connection, long from, long to, (long Ticks, string Id) after, int page, bool sentOnly)
    {
        // Keyset pagination in time order: (decided_at, decision_id) strictly after the last row seen.
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {StoredFormats.DecisionColumns},
                   (SELECT group_concat(f.action) FROM feedback f WHERE f.decision_id = decisions.decision_id)
            FROM decisions
            WHERE ($all = 1 OR outcome = $sent) AND decided_at >= $from AND decided_at < $to
              AND (decided_at > $afterTicks OR (decided_at = $afterTicks AND decision_id > $afterId))
            ORDER BY decided_at, decision_id LIMIT $n
            """;
        command.Parameters.AddWithValue("$sent", DecisionOutcomes.Sent);
        command.Parameters.AddWithValue("$all", sentOnly ? 0 : 1);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$afterTicks", after.Ticks);
        command.Parameters.AddWithValue("$afterId", after.Id);
        command.Parameters.AddWithValue("$n", page);
        using var reader = command.ExecuteReader();
        var result = new List<DecisionWithFeedback>();
        while (reader.Read())
        {
            var decision = ReadDecision(reader);
            FeedbackAction[] feedback = [];
            if (!reader.IsDBNull(20))
            {
                feedback = reader.GetString(20).Split(',').Select(a => (FeedbackAction)byte.Parse(a, CultureInfo.InvariantCulture)).ToArray();
                Array.Sort(feedback);
            }
            result.Add(new DecisionWithFeedback(decision, feedback));
        }
        return result;
    }

    private static DecisionRecord ReadDecision(SqliteDataReader reader) =>
        new(DecisionId: reader.GetString(0),
            UserId: reader.GetString(1),
            ItemId: reader.GetString(2),
            Category: reader.GetString(3),
            Label: reader.GetString(4),
            Features: StoredFormats.DecodeFeatures((byte[])reader.GetValue(5)),
            DecidedUtcTicks: reader.GetInt64(6),
            StateUtcTicks: reader.GetInt64(7),
            Outcome: reader.GetString(8),
            Reason: reader.GetString(9),
            Affinity: ReadReal(reader, 10),
            Propensity: ReadReal(reader, 11),
            Raw: ReadReal(reader, 12),
            Osr: ReadReal(reader, 13),
            Threshold: ReadReal(reader, 14),
            SendProbability: ReadReal(reader, 15),
            PropensityVersion: reader.GetString(16),
            AlsVersion: reader.IsDBNull(17) ? null : reader.GetString(17),
            Arm: reader.GetString(18),
            Segment: reader.IsDBNull(19) ? null : reader.GetString(19));

    private static double ReadReal(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? double.NaN : reader.GetDouble(ordinal);

    private static object Real(double value) => double.IsNaN(value) ? DBNull.Value : value;

    public Task<IReadOnlyList<string>> ReadUserDecisionIdsAsync(string userId, CancellationToken cancellationToken = default) =>
        Database.ReadAsync<IReadOnlyList<string>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT decision_id FROM decisions WHERE user_id = $u";
            command.Parameters.AddWithValue("$u", userId);
            using var reader = command.ExecuteReader();
            var ids = new List<string>();
            while (reader.Read()) ids.Add(reader.GetString(0));
            return ids;
        }, cancellationToken);

    public async Task<UserRowsDeleted> ForgetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var changed = await Database.ExecuteAsync([
            "DELETE FROM feedback WHERE user_id = $u OR decision_id IN (SELECT decision_id FROM decisions WHERE user_id = $u)",
            "DELETE FROM decisions WHERE user_id = $u",
        ], [("$u", userId)], cancellationToken).ConfigureAwait(false);
        return new UserRowsDeleted(changed[1], changed[0]);
    }

    public async Task<UserRowsDeleted> PruneAsync(long decisionsCutoffUtcTicks, long feedbackCutoffUtcTicks, CancellationToken cancellationToken = default)
    {
        var changed = await Database.ExecuteAsync([
            "DELETE FROM feedback WHERE ts < $f OR decision_id IN (SELECT decision_id FROM decisions WHERE decided_at < $d)",
            "DELETE FROM decisions WHERE decided_at < $d",
        ], [("$d", decisionsCutoffUtcTicks), ("$f", feedbackCutoffUtcTicks)], cancellationToken).ConfigureAwait(false);
        return new UserRowsDeleted(changed[1], changed[0]);
    }
}
