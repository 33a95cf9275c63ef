// SPDX-License-Identifier: MIT
// This process's CPU time, memory, file descriptors and start time, as the
// kernel reports them in /proc/self (proc(5): stat, statm, fd) and
// /proc/stat (btime), for the metrics' process_* series.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pptpx::io {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  uint64_t resident_bytes = 0;    // resident set size
  uint64_t virtual_bytes = 0;     // virtual memory size
  uint64_t open_fds = 0;          // entries of /proc/self/fd
  uint64_t max_fds = 0;           // RLIMIT_NOFILE, soft
  double start_time_seconds = 0;  // since the Unix epoch
};

// The fields of a /proc/PID/stat line (proc(5)) the metrics need. The
// command name in parentheses may hold spaces and parentheses itself, so
// the fields are counted from its last ')'. nullopt when the line is short.
struct ProcStatFields {
  uint64_t utime_ticks = 0;     // field 14
  uint64_t stime_ticks = 0;     // field 15
  uint64_t start_ticks = 0;     // field 22: after boot
  uint64_t virtual_bytes = 0;   // field 23
  uint64_t resident_pages = 0;  // field 24
};
std::optional<ProcStatFields> parse_proc_stat(std::string_view line);

// "btime N" of /proc/stat: the boot time in seconds since the epoch.
std::optional<uint64_t> parse_boot_time(std::string_view proc_stat);

// Reads them now; nullopt when /proc is not there.
std::optional<ProcessStats> read_process_stats();

}  // namespace pptpx::io
