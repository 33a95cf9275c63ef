// SPDX-License-Identifier: MIT
// Capability sets (see capabilities.h).
#include "io/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>

namespace pptpx::io {
namespace {

// The highest capability number this kernel knows (its cap_last_cap): the
// bounding set can be read for each, and for no other.
int last_cap() {
  int last = 0;
  while (last < 63 && ::prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0) ++last;
  return last;
}

using CapData = std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3>;

bool capget(CapData& data) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return ::syscall(SYS_capget, &header, data.data()) == 0;
}

CapMask join(uint32_t low, uint32_t high) { return (CapMask{high} << 32) | low; }

const char* const kNames[] = {"cap_chown",
                              "cap_dac_override",
                              "cap_dac_read_search",
                              "cap_fowner",
                              "cap_fsetid",
                              "cap_kill",
                              "cap_setgid",
                              "cap_setuid",
                              "cap_setpcap",
                              "cap_linux_immutable",
                              "cap_net_bind_service",
                              "cap_net_broadcast",
                              "cap_net_admin",
                              "cap_net_raw",
                              "cap_ipc_lock",
                              "cap_ipc_owner",
                              "cap_sys_module",
                              "cap_sys_rawio",
                              "cap_sys_chroot",
                              "cap_sys_ptrace",
                              "cap_sys_pacct",
                              "cap_sys_admin",
                              "cap_sys_boot",
                              "cap_sys_nice",
                              "cap_sys_resource",
                              "cap_sys_time",
                              "cap_sys_tty_config",
                              "cap_mknod",
                              "cap_lease",
                              "cap_audit_write",
                              "cap_audit_control",
                              "cap_setfcap",
                              "cap_mac_override",
                              "cap_mac_admin",
                              "cap_syslog",
                              "cap_wake_alarm",
                              "cap_block_suspend",
                              "cap_audit_read",
                              "cap_perfmon",
                              "cap_bpf",
                              "cap_checkpoint_restore"};

}  // namespace

std::optional<CapSets> read_capabilities() {
  CapData d{};
  if (!capget(d)) return std::nullopt;
  CapSets s;
  s.effective = join(d[0].effective, d[1].effective);
  s.permitted = join(d[0].permitted, d[1].permitted);
  s.inheritable = join(d[0].inheritable, d[1].inheritable);
  for (int c = 0; c <= last_cap(); ++c) {
    if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1) s.bounding |= cap_bit(c);
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1) s.ambient |= cap_bit(c);
  }
  return s;
}

std::string cap_names(CapMask m) {
  std::string out;
  for (int c = 0; c < 64; ++c) {
    if (!(m & cap_bit(c))) continue;
    if (!out.empty()) out += ',';
    out += c < static_cast<int>(std::size(kNames)) ? kNames[c] : "cap_" + std::to_string(c);
  }
  return out.empty() ? "none" : out;
}

std::error_code limit_capabilities(CapMask effective, CapMask bound) {
  auto now = read_capabilities();
  if (!now) return errno_error();
  // The bounding set first: dropping from it needs CAP_SETPCAP, which goes
  // next. Without it the other sets still shrink; the first error is told.
  std::error_code first;
  for (int c = 0; c <= last_cap(); ++c) {
    if ((now->bounding & cap_bit(c)) && !(bound & cap_bit(c)) &&
        ::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && !first)
      first = errno_error();
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL && !first)
    first = errno_error();
  const CapMask permitted = now->permitted & bound;
  const CapMask used = permitted & effective;
  CapData d{};
  d[0].permitted = static_cast<uint32_t>(permitted);
  d[1].permitted = static_cast<uint32_t>(permitted >> 32);
  d[0].effective = static_cast<uint32_t>(used);
  d[1].effective = static_cast<uint32_t>(used >> 32);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  if (::syscall(SYS_capset, &header, d.data()) < 0) return errno_error();
  return first;
}

}  // namespace pptpx::io
