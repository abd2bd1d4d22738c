namespace Osr.Orleans.Models.Recommendation;

/// <summary>
/// Sparse user × item weight matrix W (rows = users, columns = items) in compressed sparse row
/// form (CSR) together with its transpose in compressed sparse column form (CSC), so both ALS
/// half-steps walk contiguous memory. Each stored entry is a distinct (row, column) pair with
/// weight w = Σ of the weights of its events (duplicates summed), w ≥ 0; column indices within a
/// row (and row indices within a column) are ascending.
/// <para>ALS reads the confidence c = 1 + α·w and the preference p = 1 from each stored entry;
/// pairs not stored have c = 1, p = 0 (Hu, Koren &amp; Volinsky 2008, eq. 1–2). α is a
/// hyper-parameter of the trainer, so the matrix keeps w rather than c.</para>
/// Immutable once built.
/// </summary>
public sealed class InteractionMatrix
{
    private readonly int[] _rowPointers;
    private readonly int[] _rowColumns;
    private readonly float[] _rowValues;
    private readonly int[] _columnPointers;
    private readonly int[] _columnRows;
    private readonly float[] _columnValues;

    private InteractionMatrix(
        int rows, int columns,
        int[] rowPointers, int[] rowColumns, float[] rowValues,
        int[] columnPointers, int[] columnRows, float[] columnValues)
    {
        Rows = rows;
        Columns = columns;
        _rowPointers = rowPointers;
        _rowColumns = rowColumns;
        _rowValues = rowValues;
        _columnPointers = columnPointers;
        _columnRows = columnRows;
        _columnValues = columnValues;
        MaxRowCount = MaxDegree(rowPointers);
        MaxColumnCount = MaxDegree(columnPointers);
    }

    /// <summary>Number of rows (users).</summary>
    public int Rows { get; }

    /// <summary>Number of columns (items).</summary>
    public int Columns { get; }

    /// <summary>Number of stored (distinct) pairs.</summary>
    public int NonZeros => _rowColumns.Length;

    /// <summary>Largest number of stored entries in one row.</summary>
    public int MaxRowCount { get; }

    /// <summary>Largest number of stored entries in one column.</summary>
    public int MaxColumnCount { get; }

    /// <summary>Column indices of the entries of <paramref name="row"/>, ascending.</summary>
    public ReadOnlySpan<int> RowIndices(int row) => _rowColumns.AsSpan(_rowPointers[row], _rowPointers[row + 1] - _rowPointers[row]);

    /// <summary>Weights w of the entries of <paramref name="row"/>, aligned with <see cref="RowIndices"/>.</summary>
    public ReadOnlySpan<float> RowValues(int row) => _rowValues.AsSpan(_rowPointers[row], _rowPointers[row + 1] - _rowPointers[row]);

    /// <summary>Row indices of the entries of <paramref name="column"/>, ascending.</summary>
    public ReadOnlySpan<int> ColumnIndices(int column) => _columnRows.AsSpan(_columnPointers[column], _columnPointers[column + 1] - _columnPointers[column]);

    /// <summary>Weights w of the entries of <paramref name="column"/>, aligned with <see cref="ColumnIndices"/>.</summary>
    public ReadOnlySpan<float> ColumnValues(int column) => _columnValues.AsSpan(_columnPointers[column], _columnPointers[column + 1] - _columnPointers[column]);

    /// <summary>Number of stored entries in <paramref name="row"/>.</summary>
    public int RowCount(int row) => _rowPointers[row + 1] - _rowPointers[row];

    /// <summary>Number of stored entries in <paramref name="column"/>.</summary>
    public int ColumnCount(int column) => _columnPointers[column + 1] - _columnPointers[column];

    /// <summary>The weight w at (<paramref name="row"/>, <paramref name="column"/>), 0 if not stored. O(log n).</summary>
    public float this[int row, int column]
    {
        get
        {
            var position = RowIndices(row).BinarySearch(column);
            return position >= 0 ? RowValues(row)[position] : 0f;
        }
    }

    /// <summary>Wᵀ (items × users) sharing this matrix's storage; O(1).</summary>
    public InteractionMatrix Transpose() => new(
        Columns, Rows, _columnPointers, _columnRows, _columnValues, _rowPointers, _rowColumns, _rowValues);

    /// <summary>Σ w over all stored entries (double accumulation).</summary>
    public double TotalWeight()
    {
        var sum = 0.0;
        foreach (var w in _rowValues)
        {
            sum += w;
        }

        return sum;
    }

    /// <summary>Builds W from interactions (timestamps ignored), summing duplicates.</summary>
    public static InteractionMatrix FromInteractions(int users, int items, ReadOnlySpan<Interaction> interactions)
    {
        var rows = new int[interactions.Length];
        var columns = new int[interactions.Length];
        var weights = new float[interactions.Length];
        for (var n = 0; n < interactions.Length; n++)
        {
            rows[n] = interactions[n].User;
            columns[n] = interactions[n].Item;
            weights[n] = interactions[n].Weight;
        }

        return FromTriples(users, items, rows, columns, weights);
    }

    /// <summary>
    /// Builds W (<paramref name="rows"/> × <paramref name="columns"/>) from triples
    /// (rowIndices[n], columnIndices[n], weights[n]); duplicate pairs are summed (in double,
    /// then rounded to float). Indices must be in range; weights finite and ≥ 0. O(nnz·log d).
    /// </summary>
    public static InteractionMatrix FromTriples(
        int rows, int columns, ReadOnlySpan<int> rowIndices, ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (rowIndices.Length != columnIndices.Length || rowIndices.Length != weights.Length)
        {
            throw new ArgumentException("Row indices, column indices and weights must have the same length.");
        }

        var count = rowIndices.Length;
        var rowPointers = new int[rows + 1];
        for (var n = 0; n < count; n++)
        {
            var r = rowIndices[n];
            var c = columnIndices[n];
            if ((uint)r >= (uint)rows)
            {
                throw new ArgumentOutOfRangeException(nameof(rowIndices), $"Row index {r} at position {n} is outside [0, {rows}).");
            }

            if ((uint)c >= (uint)columns)
            {
                throw new ArgumentOutOfRangeException(nameof(columnIndices), $"Column index {c} at position {n} is outside [0, {columns}).");
            }

            if (!(weights[n] >= 0f) || float.IsPositiveInfinity(weights[n]))
            {
                throw new ArgumentOutOfRangeException(nameof(weights), $"Weight {weights[n]} at position {n} is not finite and ≥ 0.");
            }

            rowPointers[r + 1]++;
        }

        for (var r = 0; r < rows; r++)
        {
            rowPointers[r + 1] += rowPointers[r];
        }

        // Counting sort by row (stable), then sort each row by column and merge duplicates in place.
        var cols = new int[count];
        var vals = new float[count];
        var next = rowPointers[..^1];
        for (var n = 0; n < count; n++)
        {
            var slot = next[rowIndices[n]]++;
            cols[slot] = columnIndices[n];
            vals[slot] = weights[n];
        }

        var write = 0;
        var start = 0;
        for (var r = 0; r < rows; r++)
        {
            var end = rowPointers[r + 1];
            var rowCols = cols.AsSpan(start, end - start);
            var rowVals = vals.AsSpan(start, end - start);
            rowCols.Sort(rowVals);
            rowPointers[r] = write;
            var n = 0;
            while (n < rowCols.Length)
            {
                var c = rowCols[n];
                var sum = (double)rowVals[n];
                var m = n + 1;
                while (m < rowCols.Length && rowCols[m] == c)
                {
                    sum += rowVals[m++];
                }

                cols[write] = c;
                vals[write] = (float)sum;
                write++;
                n = m;
            }

            start = end;
        }

        rowPointers[rows] = write;
        if (write < count)
        {
            Array.Resize(ref cols, write);
            Array.Resize(ref vals, write);
        }

        // CSC by counting sort over columns; rows are visited in order, so row indices ascend.
        var columnPointers = new int[columns + 1];
        foreach (var c in cols)
        {
            columnPointers[c + 1]++;
        }

        for (var c = 0; c < columns; c++)
        {
            columnPointers[c + 1] += columnPointers[c];
        }

        var columnRows = new int[write];
        var columnValues = new float[write];
        var fill = columnPointers[..^1];
        for (var r = 0; r < rows; r++)
        {
            for (var p = rowPointers[r]; p < rowPointers[r + 1]; p++)
            {
                var slot = fill[cols[p]]++;
                columnRows[slot] = r;
                columnValues[slot] = vals[p];
            }
        }

        return new InteractionMatrix(rows, columns, rowPointers, cols, vals, columnPointers, columnRows, columnValues);
    }

    private static int MaxDegree(int[] pointers)
    {
        var max = 0;
        for (var n = 0; n + 1 < pointers.Length; n++)
        {
            max = Math.Max(max, pointers[n + 1] - pointers[n]);
        }

        return max;
    }
}
