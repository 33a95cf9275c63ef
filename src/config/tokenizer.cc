// pppd word tokenizer; rules in tokenizer.h (COMPAT c.1).
#include "config/tokenizer.h"

namespace pptpx::config {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<Word> tokenize(std::string_view s, const std::string& file, Diagnostics& diags) {
  std::vector<Word> words;
  const size_t n = s.size();
  size_t i = 0;
  int line = 1;
  bool newline = true;
  for (;;) {
    while (i < n) {
      const char c = s[i];
      if (c == '\n') {
        newline = true;
        ++line;
        ++i;
      } else if (is_space(c)) {
        ++i;
      } else if (c == '#') {
        while (i < n && s[i] != '\n') ++i;
      } else if (c == '\\' && i + 1 < n && s[i + 1] == '\n') {
        i += 2;
        ++line;
      } else {
        break;
      }
    }
    if (i >= n) break;

    Word w;
    w.file = file;
    w.line = line;
    w.first_on_line = newline;
    newline = false;
    char quote = 0;
    bool cut = false;        // an escaped NUL ended the C string
    bool truncated = false;  // longer than MAXWORDLEN
    bool at_eof = false;
    auto append = [&](char ch) {
      if (cut) return;
      if (ch == '\0') {
        cut = true;
        return;
      }
      if (w.text.size() >= kMaxWordLen) {
        truncated = true;
        return;
      }
      w.text.push_back(ch);
    };
    for (;;) {
      if (i >= n) {
        at_eof = true;
        if (quote != 0)
          diags.push_back({file, w.line, false, "quoted word runs to end of file"});
        break;
      }
      char c = s[i];
      if (c == '\\') {
        ++i;
        if (i >= n) {
          at_eof = true;
          break;
        }
        c = s[i];
        if (c == '\n') {
          ++line;
          ++i;
          continue;
        }
        if (is_octal(c)) {
          int v = 0;
          for (int k = 0; k < 3 && i < n && is_octal(s[i]); ++k, ++i) v = v * 8 + (s[i] - '0');
          append(static_cast<char>(v & 0xff));
          continue;
        }
        if (c == 'x') {
          ++i;
          int v = 0;
          for (int k = 0; k < 2 && i < n && hex_value(s[i]) >= 0; ++k, ++i) v = v * 16 + hex_value(s[i]);
          append(static_cast<char>(v));
          continue;
        }
        ++i;
        switch (c) {
          case 'a': append('\a'); break;
          case 'b': append('\b'); break;
          case 'f': append('\f'); break;
          case 'n': append('\n'); break;
          case 'r': append('\r'); break;
          case 't': append('\t'); break;
          case 's': append(' '); break;
          default: append(c); break;
        }
        continue;
      }
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          if (c == '\n') ++line;
          append(c);
        }
        ++i;
        continue;
      }
      if (is_space(c) || c == '#') break;
      if (c == '"' || c == '\'') {
        quote = c;
        ++i;
        continue;
      }
      append(c);
      ++i;
    }
    if (truncated)
      diags.push_back({file, w.line, false, "word too long, truncated to 1023 bytes"});
    if (at_eof && w.text.empty()) break;
    words.push_back(std::move(w));
    if (at_eof) break;
  }
  return words;
}

}  // namespace pptpx::config
