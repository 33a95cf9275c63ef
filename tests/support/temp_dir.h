// SPDX-License-Identifier: MIT
// A fresh empty directory under /tmp for one test, removed with everything
// in it by the destructor.
#pragma once

#include <stdlib.h>

#include <string>

namespace pptpx::test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pptpx-test-XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) (void)!::system(("rm -rf '" + path_ + "'").c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace pptpx::test
