// SPDX-License-Identifier: MIT
// This process's resource figures from /proc (see process_stats.h).
#include "io/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace pptpx::io {

namespace {

std::optional<std::string> read_text(const char* path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::optional<uint64_t> to_u64(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

uint64_t count_open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return 0;
  uint64_t n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n > 0 ? n - 1 : 0;  // the directory stream's own descriptor
}

}  // namespace

std::optional<ProcStatFields> parse_proc_stat(std::string_view line) {
  size_t paren = line.rfind(')');
  if (paren == line.npos) return std::nullopt;
  // Field 3 (state) onwards, split at single spaces.
  std::vector<std::string_view> f;
  size_t pos = paren + 1;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\n')) ++pos;
    size_t end = line.find_first_of(" \n", pos);
    if (end == line.npos) end = line.size();
    if (end > pos) f.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  // f[0] is field 3: field N is f[N - 3].
  if (f.size() < 22) return std::nullopt;
  auto utime = to_u64(f[14 - 3]), stime = to_u64(f[15 - 3]), start = to_u64(f[22 - 3]);
  auto vsize = to_u64(f[23 - 3]), rss = to_u64(f[24 - 3]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStatFields{*utime, *stime, *start, *vsize, *rss};
}

std::optional<uint64_t> parse_boot_time(std::string_view proc_stat) {
  size_t pos = 0;
  while (pos < proc_stat.size()) {
    size_t nl = proc_stat.find('\n', pos);
    std::string_view line = proc_stat.substr(pos, nl == proc_stat.npos ? proc_stat.npos : nl - pos);
    pos = nl == proc_stat.npos ? proc_stat.size() : nl + 1;
    if (line.substr(0, 6) == "btime ") return to_u64(line.substr(6));
  }
  return std::nullopt;
}

std::optional<ProcessStats> read_process_stats() {
  auto stat = read_text("/proc/self/stat");
  if (!stat) return std::nullopt;
  auto f = parse_proc_stat(*stat);
  if (!f) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  ProcessStats s;
  s.cpu_seconds = static_cast<double>(f->utime_ticks + f->stime_ticks) / ticks;
  s.resident_bytes = f->resident_pages * page;
  s.virtual_bytes = f->virtual_bytes;
  s.open_fds = count_open_fds();
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) s.max_fds = rl.rlim_cur;
  if (auto all = read_text("/proc/stat")) {
    if (auto boot = parse_boot_time(*all))
      s.start_time_seconds =
          static_cast<double>(*boot) + static_cast<double>(f->start_ticks) / ticks;
  }
  return s;
}

}  // namespace pptpx::io
