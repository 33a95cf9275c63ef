// SPDX-License-Identifier: MIT
// pppd's word tokenizer (pppd options.c getword), shared by options files and
// chap-secrets/pap-secrets (docs/compatibility.md, Options files):
//  - whitespace separates words; '#' starts a comment to end of line and also
//    ends an unquoted word;
//  - "..." and '...' quote (whitespace, '#', newlines literal) and
//    concatenate with unquoted pieces;
//  - backslash escapes inside and outside quotes: \a\b\f\n\r\t, \s (space),
//    \ooo (1-3 octal), \xHH (1-2 hex), backslash-newline = nothing, any other
//    \c = c. A NUL produced by an escape ends the word (C string semantics);
//  - "" is a word except at end of file; words are cut to 1023 bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"

namespace pptpx::config {

struct Word {
  std::string text;
  std::string file;
  int line = 0;                // line where the word starts
  bool first_on_line = false;  // a newline was seen before this word
  bool escaped = false;        // a backslash escape (not backslash-newline) is in it
};

inline constexpr size_t kMaxWordLen = 1023;  // MAXWORDLEN - 1

// Splits `text` (the contents of `file`) into words. The first word of the
// text counts as first on its line. Problems go to `diags` as warnings.
std::vector<Word> tokenize(std::string_view text, const std::string& file, Diagnostics& diags);

}  // namespace pptpx::config
