// 128-bit unsigned arithmetic (a GCC and Clang extension) for exact sums and
// products of picosecond counts.
#pragma once

namespace copysim {
__extension__ typedef unsigned __int128 uint128;
}  // namespace copysim
