/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SwiftPM needs one source file in a C target; the ABI is the header alone. */
#include "../../include/barrierclient.h"
