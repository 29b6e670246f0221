// A small reader of comma-separated text (RFC 4180 as spreadsheets write it): fields may be
// quoted, a quoted field may hold commas, doubled quotes ("") and line breaks; records end
// with LF or CRLF; a blank line is skipped. No type conversion: every field is a string.
// The trace importer (models/trace_import.h) reads session files with it; it reads from a
// buffer the caller owns (a whole file read at once), so the text must outlive the reader.
// Thread safety: one reader per thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fleetgrid::models {

class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  // Reads the next record into `fields` (cleared first). Returns false at the end of the
  // text. A leading UTF-8 byte order mark is skipped.
  bool Next(std::vector<std::string>& fields);
  // The 1-based line on which the last record began (a quoted line break makes a record
  // span several lines).
  size_t line() const { return record_line_; }
  // Whether the last record broke the quoting rules: a quote left open at the end of the
  // text, or text after a closing quote. Its fields are still returned, read leniently.
  bool malformed() const { return malformed_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t record_line_ = 0;
  bool malformed_ = false;
};

}  // namespace fleetgrid::models
