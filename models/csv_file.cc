#include "models/csv_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace fleetgrid::models {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

absl::StatusOr<CsvFile> CsvFile::Open(const std::string& file, const std::string& dir) {
  std::filesystem::path p(file);
  if (p.is_relative() && !dir.empty()) p = std::filesystem::path(dir) / p;
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) {
    return absl::InvalidArgumentError(p.string() + " is a directory, not a CSV file");
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot read " + p.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  CsvFile f;
  f.name_ = file;
  f.text_ = std::make_unique<std::string>(buf.str());
  f.reader_ = std::make_unique<CsvReader>(*f.text_);
  if (!f.reader_->Next(f.header_)) {
    return absl::InvalidArgumentError(file + ": empty file (no header row)");
  }
  return f;
}

absl::StatusOr<size_t> CsvFile::Column(const std::string& want) const {
  const std::string_view w = Trim(want);
  for (size_t i = 0; i < header_.size(); ++i) {
    if (Trim(header_[i]) == w) return i;
  }
  std::string have;
  for (const std::string& h : header_) {
    if (!Trim(h).empty()) have += (have.empty() ? "" : ", ") + h;
  }
  return absl::InvalidArgumentError(name_ + ":1: no column \"" + want + "\" (its columns: " + have +
                                    ")");
}

}  // namespace fleetgrid::models
