using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Osr.Orleans.Client.Csv;

/// <summary>
/// Reads CSV records one at a time from a stream, so a file of millions of rows is never held as text.
/// The rules are <see cref="CsvReader"/>'s (RFC 4180, UTF-8 with or without a BOM, LF/CRLF/CR, blank
/// lines ignored, fields verbatim); every problem names its line: control characters, invalid UTF-8,
/// UTF-16, an unterminated or stray quote. The first record is the header. <see cref="CsvLimits.MaxBytes"/>
/// counts the bytes read from the stream (after decompression), <see cref="CsvLimits.MaxRows"/> the records
/// after the header.
/// </summary>
/// <remarks>
/// Parsing works on bytes: the delimiters are ASCII and never occur inside a multi-byte UTF-8 sequence, so
/// each non-ASCII sequence is validated where it occurs and fields are decoded once they are complete.
/// </remarks>
public sealed class CsvRecordReader : IDisposable
{
    private const int BlockSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly CsvLimits _limits;
    private readonly bool _leaveOpen;
    private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
    private readonly List<string> _fields = [];
    private byte[] _field = new byte[256];
    private int _fieldLength;
    private int _pos;
    private int _end;
    private bool _eof;
    private bool _started;
    private long _bytesRead;
    private int _line = 1;
    private long _records;

    public CsvRecordReader(Stream stream, CsvLimits? limits = null, bool leaveOpen = false)
    {
        _stream = stream;
        _limits = limits ?? CsvLimits.Default;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Bytes read from the stream so far (uncompressed).</summary>
    public long BytesRead => _bytesRead;

    /// <summary>
    /// Opens a file for reading: refuses a missing file or one larger than <see cref="CsvLimits.MaxBytes"/>,
    /// and decompresses gzip (recognised by its magic bytes; a <c>.gz</c> name without them is refused).
    /// </summary>
    /// <exception cref="CsvFormatException">Missing, oversize or falsely named file.</exception>
    public static Stream OpenFile(string path, CsvLimits? limits = null)
    {
        limits ??= CsvLimits.Default;
        var info = new FileInfo(path);
        if (!info.Exists) throw new CsvFormatException(0, $"file not found: {path}");
        if (info.Length > limits.MaxBytes) throw CsvReader.TooLarge(info.Length, limits);

        var file = info.OpenRead();
        try
        {
            Span<byte> magic = stackalloc byte[2];
            var n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            var gzip = n == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            if (gzip) return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                throw new CsvFormatException(0, "the file name ends in .gz but the file is not gzip-compressed");
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The next record, or null at the end of the stream.</summary>
    /// <exception cref="CsvFormatException">Malformed content, too many bytes or too many rows.</exception>
    public CsvRecord? Read()
    {
        if (!_started) Start();

        // Skip blank lines; blanks before the first field belong to it (unquoted fields are verbatim).
        _fieldLength = 0;
        while (true)
        {
            while (Peek() is ' ' or '\t') Append(Take());
            var c = Peek();
            if (c < 0) return null;
            if (c is not ('\r' or '\n')) break;
            _fieldLength = 0;
            ConsumeLineEnd();
        }

        var recordLine = _line;
        _fields.Clear();
        while (true)
        {
            while (Peek() is ' ' or '\t') Append(Take());
            if (Peek() == '"')
            {
                _fieldLength = 0;
                Take();
                ReadQuoted();
                while (Peek() is ' ' or '\t') Take();
                var after = Peek();
                if (after >= 0 && after is not (',' or '\r' or '\n'))
                    throw new CsvFormatException(_line, $"unexpected '{DescribeNext()}' after a closing quote (write a quote inside a quoted field as \"\")");
            }
            else
            {
                ReadUnquoted();
            }

            _fields.Add(Encoding.UTF8.GetString(_field, 0, _fieldLength));
            _fieldLength = 0;
            if (Peek() == ',')
            {
                Take();
                continue;
            }

            break;
        }

        if (Peek() >= 0) ConsumeLineEnd();
        _records++;
        if (_records - 1 > _limits.MaxRows)
            throw new CsvFormatException(0, $"the file has more than {_limits.MaxRows.ToString("N0", CultureInfo.InvariantCulture)} rows; split it into smaller files");
        return new CsvRecord(recordLine, [.. _fields]);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        if (!_leaveOpen) _stream.Dispose();
    }

    private void Start()
    {
        _started = true;
        Fill(3);
        var head = _buffer.AsSpan(_pos, _end - _pos);
        if (head.Length >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
            throw new CsvFormatException(1, "the file is UTF-16 encoded; save it as UTF-8");
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) _pos += 3;
    }

    private void ReadUnquoted()
    {
        while (true)
        {
            var c = Peek();
            if (c < 0 || c is ',' or '\r' or '\n') return;
            if (c == '"') throw new CsvFormatException(_line, "a quote inside an unquoted field (quote the whole field and double the quote: \"a \"\"b\"\"\")");
            AppendText();
        }
    }

    private void ReadQuoted()
    {
        var openedOn = _line;
        while (true)
        {
            var c = Peek();
            if (c < 0) throw new CsvFormatException(openedOn, "unterminated quoted field: the quote opened here is never closed");
            if (c == '"')
            {
                Take();
                if (Peek() != '"') return;
                Append(Take());
            }
            else if (c == '\n')
            {
                Append(Take());
                _line++;
            }
            else if (c == '\r')
            {
                Append(Take());
                if (Peek() != '\n') _line++;
            }
            else
            {
                AppendText();
            }
        }
    }

    /// <summary>Appends the next character (one byte or a whole UTF-8 sequence), refusing binary data.</summary>
    private void AppendText()
    {
        var b = _buffer[_pos];
        if (b < 0x80)
        {
            if ((b < 0x20 && b != '\t') || b == 0x7F) throw Binary($"byte 0x{b:X2}");
            Append(Take());
            return;
        }

        Fill(4);
        if (Rune.DecodeFromUtf8(_buffer.AsSpan(_pos, _end - _pos), out var rune, out var consumed) != OperationStatus.Done)
            throw new CsvFormatException(_line, $"invalid UTF-8 (byte 0x{b:X2}); is this a text file saved as UTF-8?");
        if (rune.Value is >= 0x80 and <= 0x9F) throw Binary($"control character U+{rune.Value:X4}");
        for (var i = 0; i < consumed; i++) Append(_buffer[_pos + i]);
        _pos += consumed;
    }

    private string DescribeNext()
    {
        Fill(4);
        return Rune.DecodeFromUtf8(_buffer.AsSpan(_pos, _end - _pos), out var rune, out _) == OperationStatus.Done
            ? rune.ToString()
            : $"byte 0x{_buffer[_pos]:X2}";
    }

    private void ConsumeLineEnd()
    {
        _line++;
        if (Take() == '\r' && Peek() == '\n') Take();
    }

    private int Peek() => _pos < _end || Fill(1) ? _buffer[_pos] : -1;

    private byte Take() => _buffer[_pos++];

    private void Append(byte b)
    {
        if (_fieldLength == _field.Length) Array.Resize(ref _field, _field.Length * 2);
        _field[_fieldLength++] = b;
    }

    /// <summary>Reads until at least <paramref name="count"/> bytes are buffered or the stream ends.</summary>
    private bool Fill(int count)
    {
        while (_end - _pos < count && !_eof)
        {
            if (_pos > 0)
            {
                _buffer.AsSpan(_pos, _end - _pos).CopyTo(_buffer);
                _end -= _pos;
                _pos = 0;
            }

            int read;
            try
            {
                read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (InvalidDataException ex)
            {
                throw new CsvFormatException(_line, $"the compressed data is corrupt ({ex.Message})");
            }

            if (read == 0)
            {
                _eof = true;
                break;
            }

            _bytesRead += read;
            if (_bytesRead > _limits.MaxBytes) throw CsvReader.TooLarge(_bytesRead, _limits, atLeast: true, uncompressed: _stream is GZipStream);
            _end += read;
        }

        return _end - _pos >= count;
    }

    private CsvFormatException Binary(string what) => new(_line, $"binary data ({what}); expected a UTF-8 text CSV file");
}
