/* status.c — messages for rlc_status (contract in include/rlc/status.h). */
#include "rlc/status.h"

const char *rlc_strerror(rlc_status s)
{
    switch (s) {
    case RLC_OK: return "success";
    case RLC_ENOMEM: return "out of memory";
    case RLC_EINVAL: return "invalid argument";
    case RLC_ENOTFOUND: return "not found";
    case RLC_EIO: return "input/output error";
    case RLC_ECONFIG: return "invalid configuration";
    case RLC_ENONFINITE: return "non-finite value (NaN or infinity)";
    case RLC_EGSL: return "GSL error";
    case RLC_EINTERRUPTED: return "interrupted";
    case RLC_EFORMAT: return "malformed file";
    }
    return "unknown status";
}
