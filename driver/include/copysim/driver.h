// The copysim host driver: include this one header (docs/DRIVER.md).
#pragma once

#include "copysim/driver/connection.h"
#include "copysim/driver/result.h"
#include "copysim/driver/types.h"
