// The three forms `copysim config` prints a description in.
#pragma once

#include <string>

#include "tools/copysim/config/describe.h"

namespace copysim::config {

enum class Format {
  table,     // one row per key path: key, value, unit, source
  json,      // the description itself, every default filled in; it reads back
  markdown,  // tables; for the defaults, docs/CONFIGURATION.md
};

std::string render(const Description& description, Format format);

}  // namespace copysim::config
