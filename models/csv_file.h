// A CSV file read whole, with its header row: the one way scenario data files (charging
// sessions, price tables, job traces) are opened, so that every reader names the file and
// the column the same way in its errors.
// Thread safety: none; the text lives as long as the CsvFile.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "models/csv_reader.h"

namespace fleetgrid::models {

class CsvFile {
 public:
  // Reads `file` (relative to `dir` unless absolute or `dir` is empty) and its header row.
  // InvalidArgument "cannot read <path>", "<path> is a directory, not a CSV file" or
  // "<file>: empty file (no header row)".
  static absl::StatusOr<CsvFile> Open(const std::string& file, const std::string& dir);

  // The name errors use: the path as the scenario gave it.
  const std::string& name() const { return name_; }
  const std::vector<std::string>& header() const { return header_; }
  // Index of the header column `want` (surrounding blanks ignored); InvalidArgument
  // "<file>:1: no column "<want>" (its columns: a, b, c)" otherwise.
  absl::StatusOr<size_t> Column(const std::string& want) const;

  // The data rows, as CsvReader reads them; `At()` is "<file>:<line>" of the last one.
  bool Next(std::vector<std::string>& fields) { return reader_->Next(fields); }
  bool malformed() const { return reader_->malformed(); }
  size_t line() const { return reader_->line(); }
  std::string At() const { return name_ + ":" + std::to_string(reader_->line()); }

 private:
  std::string name_;
  std::unique_ptr<std::string> text_;  // stable address for the reader
  std::unique_ptr<CsvReader> reader_;
  std::vector<std::string> header_;
};

}  // namespace fleetgrid::models
