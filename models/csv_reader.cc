#include "models/csv_reader.h"

namespace fleetgrid::models {

bool CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  malformed_ = false;
  if (pos_ == 0 && text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  // Blank lines (LF or CRLF alone) are not records.
  while (pos_ < text_.size()) {
    if (text_[pos_] == '\n') {
      ++pos_;
      ++line_;
    } else if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
      pos_ += 2;
      ++line_;
    } else {
      break;
    }
  }
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  std::string field;
  bool quoted = false;      // inside a quoted section
  bool was_quoted = false;  // this field had a closing quote (text after it is malformed)
  while (pos_ < text_.size()) {
    const char c = text_[pos_++];
    if (quoted) {
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          field.push_back('"');
          ++pos_;
        } else {
          quoted = false;
          was_quoted = true;
        }
      } else {
        if (c == '\n') ++line_;
        field.push_back(c);
      }
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\n' || (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n')) {
      if (c == '\r') ++pos_;
      ++line_;
      fields.push_back(std::move(field));
      return true;
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = true;
    } else {
      if (was_quoted || c == '"') malformed_ = true;
      field.push_back(c);
    }
  }
  if (quoted) malformed_ = true;
  fields.push_back(std::move(field));
  return true;
}

}  // namespace fleetgrid::models
