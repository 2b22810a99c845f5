/* rlc/status.h — the status codes every rlc call returns, and their messages.
 * The library never prints and never exits; callers turn a status into text. */
#ifndef RLC_STATUS_H
#define RLC_STATUS_H

typedef enum rlc_status {
    RLC_OK = 0,
    RLC_ENOMEM,     /* an allocation failed */
    RLC_EINVAL,     /* an argument is out of its documented range or shapes disagree */
    RLC_ENOTFOUND,  /* a name (env id, algorithm) is not registered */
    RLC_EIO,        /* a file could not be read or written; errno holds the reason */
    RLC_ECONFIG,    /* a configuration value is invalid (the config module records where) */
    RLC_ENONFINITE, /* a loss, gradient or parameter became NaN or infinite */
    RLC_EGSL,       /* a GSL routine returned an error code */
    RLC_EINTERRUPTED, /* stopped early on request (rlc_run_request_stop) */
    RLC_EFORMAT      /* a file is not what it should be: magic, version, checksum, truncated */
} rlc_status;

/* A static, never-NULL English message for s. Does not allocate. */
const char *rlc_strerror(rlc_status s);

#endif
