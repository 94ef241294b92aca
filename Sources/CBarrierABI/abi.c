/* SwiftPM needs one source file in a C target; the ABI is the header alone. */
#include "../../include/barrierclient.h"
