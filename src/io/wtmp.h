// SPDX-License-Identifier: MIT
// wtmp login/logout records for PPP sessions, like pptpd's logwtmp plugin:
// ut_line = interface name (ppp0), ut_user = peer name, ut_host = the
// client's public IP. Written with updwtmp(3).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace pptpx::io {

inline constexpr const char* kDefaultWtmp = "/var/log/wtmp";

// Both return false when the record could not be written (e.g. no wtmp).
bool wtmp_login(std::string_view line, std::string_view user, std::string_view host,
                const std::string& file = kDefaultWtmp, pid_t pid = 0);
bool wtmp_logout(std::string_view line, const std::string& file = kDefaultWtmp, pid_t pid = 0);

}  // namespace pptpx::io
