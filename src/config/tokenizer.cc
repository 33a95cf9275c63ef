// SPDX-License-Identifier: MIT
// pppd word tokenizer; rules in tokenizer.h (docs/compatibility.md, Options files).
#include "config/tokenizer.h"

namespace pptpx::config {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_octal(char c) { return c >= '0' && c <= '7'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The character a one-letter escape \c stands for; any other c is itself.
char letter_escape(char c) {
  switch (c) {
    case 'a': return '\a';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 's': return ' ';
    default: return c;
  }
}

// A word's text as it is built: a NUL ends it as it ends pppd's C string,
// and it is cut to kMaxWordLen bytes.
struct WordText {
  std::string& text;
  bool cut = false;        // an escaped NUL ended the C string
  bool truncated = false;  // longer than MAXWORDLEN
  bool escaped = false;    // a backslash escape gave a character

  void append(char ch) {
    if (cut) return;
    if (ch == '\0') {
      cut = true;
      return;
    }
    if (text.size() >= kMaxWordLen) {
      truncated = true;
      return;
    }
    text.push_back(ch);
  }
};

class Tokenizer {
 public:
  Tokenizer(std::string_view s, const std::string& file, Diagnostics& diags)
      : s_(s), file_(file), diags_(diags) {}

  std::vector<Word> words() {
    std::vector<Word> out;
    while (skip_to_word()) {
      Word w;
      w.file = file_;
      w.line = line_;
      w.first_on_line = newline_;
      newline_ = false;
      const bool at_eof = read_word(w);
      if (at_eof && w.text.empty()) break;
      out.push_back(std::move(w));
      if (at_eof) break;
    }
    return out;
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }

  // Skips blanks, comments and backslash-newlines up to the next word;
  // false when the text ends first.
  bool skip_to_word() {
    while (!at_end()) {
      const char c = s_[i_];
      if (c == '\n') {
        newline_ = true;
        ++line_;
        ++i_;
      } else if (is_space(c)) {
        ++i_;
      } else if (c == '#') {
        while (!at_end() && s_[i_] != '\n') ++i_;
      } else if (c == '\\' && i_ + 1 < s_.size() && s_[i_ + 1] == '\n') {
        i_ += 2;
        ++line_;
      } else {
        return true;
      }
    }
    return false;
  }

  // Reads the word that starts here into w; true when it ran to the end of
  // the text.
  bool read_word(Word& w) {
    WordText t{w.text};
    char quote = 0;
    bool at_eof = false;
    for (;;) {
      if (at_end()) {
        at_eof = true;
        if (quote != 0) diags_.push_back({file_, w.line, false, "quoted word runs to end of file"});
        break;
      }
      const char c = s_[i_];
      if (c == '\\') {
        if (!read_escape(t)) {
          at_eof = true;
          break;
        }
      } else if (quote != 0) {
        read_quoted(c, quote, t);
      } else if (is_space(c) || c == '#') {
        break;
      } else {
        if (c == '"' || c == '\'')
          quote = c;
        else
          t.append(c);
        ++i_;
      }
    }
    if (t.truncated)
      diags_.push_back({file_, w.line, false, "word too long, truncated to 1023 bytes"});
    w.escaped = t.escaped;
    return at_eof;
  }

  // One character c inside quotes: the closing quote, or part of the word.
  void read_quoted(char c, char& quote, WordText& t) {
    if (c == quote) {
      quote = 0;
    } else {
      if (c == '\n') ++line_;
      t.append(c);
    }
    ++i_;
  }

  // The escape that starts with the backslash here; false when the text
  // ends right after the backslash.
  bool read_escape(WordText& t) {
    ++i_;
    if (at_end()) return false;
    const char c = s_[i_];
    t.escaped = t.escaped || c != '\n';
    if (c == '\n') {
      ++line_;
      ++i_;
    } else if (is_octal(c)) {
      int v = 0;
      for (int k = 0; k < 3 && !at_end() && is_octal(s_[i_]); ++k, ++i_) v = v * 8 + (s_[i_] - '0');
      t.append(static_cast<char>(v & 0xff));
    } else if (c == 'x') {
      ++i_;
      int v = 0;
      for (int k = 0; k < 2 && !at_end() && hex_value(s_[i_]) >= 0; ++k, ++i_)
        v = v * 16 + hex_value(s_[i_]);
      t.append(static_cast<char>(v));
    } else {
      ++i_;
      t.append(letter_escape(c));
    }
    return true;
  }

  std::string_view s_;
  const std::string& file_;
  Diagnostics& diags_;
  size_t i_ = 0;
  int line_ = 1;
  bool newline_ = true;  // a newline was seen since the last word began
};

}  // namespace

std::vector<Word> tokenize(std::string_view s, const std::string& file, Diagnostics& diags) {
  return Tokenizer(s, file, diags).words();
}

}  // namespace pptpx::config
