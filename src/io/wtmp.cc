// SPDX-License-Identifier: MIT
// wtmp records (see wtmp.h).
#include "io/wtmp.h"

#include <sys/time.h>
#include <unistd.h>
#include <utmp.h>

#include <algorithm>
#include <cstring>

namespace pptpx::io {
namespace {

template <size_t N>
void copy_field(char (&dst)[N], std::string_view s) {
  // utmp fields need not be NUL-terminated when full.
  std::memset(dst, 0, N);
  if (!s.empty()) std::memcpy(dst, s.data(), std::min(N, s.size()));
}

bool write_record(short type, std::string_view line, std::string_view user, std::string_view host,
                  const std::string& file, pid_t pid) {
  // updwtmp silently creates nothing and reports nothing; check first.
  if (::access(file.c_str(), W_OK) != 0) return false;
  utmp ut{};
  ut.ut_type = type;
  ut.ut_pid = pid ? pid : ::getpid();
  copy_field(ut.ut_line, line);
  // ut_id: the last characters of the line, as login(3) derives it.
  copy_field(ut.ut_id,
             line.size() > sizeof(ut.ut_id) ? line.substr(line.size() - sizeof(ut.ut_id)) : line);
  copy_field(ut.ut_user, user);
  copy_field(ut.ut_host, host);
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  ut.ut_tv.tv_sec = static_cast<int32_t>(tv.tv_sec);
  ut.ut_tv.tv_usec = static_cast<int32_t>(tv.tv_usec);
  ::updwtmp(file.c_str(), &ut);
  return true;
}

}  // namespace

bool wtmp_login(std::string_view line, std::string_view user, std::string_view host,
                const std::string& file, pid_t pid) {
  return write_record(USER_PROCESS, line, user, host, file, pid);
}

bool wtmp_logout(std::string_view line, const std::string& file, pid_t pid) {
  return write_record(DEAD_PROCESS, line, {}, {}, file, pid);
}

}  // namespace pptpx::io
