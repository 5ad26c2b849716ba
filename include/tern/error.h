/* Error codes shared by every layer of Tern (DESIGN.md §5).
 *
 * Functions return 0 (or a non-negative length) on success and a negative
 * TERN_E* code on failure. tern_strerror() gives a short English text. */
#ifndef TERN_ERROR_H
#define TERN_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum tern_error {
    TERN_OK = 0,

    /* Local caller errors. */
    TERN_EINVAL = -1, /* an argument is out of range or inconsistent */
    TERN_ENOMEM = -2, /* an allocation failed or a configured limit was reached */
    TERN_ENOSPC = -3, /* the output buffer is too small; nothing useful was written */
    TERN_ERANGE = -4, /* a value does not fit its wire field */
    TERN_ENOENT = -5, /* no such association */
    TERN_ESTATE = -6, /* not allowed in the association's current state */
    TERN_EEXIST = -7, /* an association with that peer already exists */
    TERN_EAGAIN = -8, /* a buffer is full, or nothing is ready: try again later */

    /* Socket-style API and runtime errors (tern/tern.h); the POSIX name they mirror. */
    TERN_EBADF = -9,          /* not an open socket descriptor of this context */
    TERN_ENOTCONN = -10,      /* no association (not connected, or it has ended) */
    TERN_EISCONN = -11,       /* already connected, or connecting */
    TERN_EOPNOTSUPP = -12,    /* not supported on this kind of socket or transport */
    TERN_EADDRINUSE = -13,    /* the port or address is taken */
    TERN_EPERM = -14,         /* not permitted (raw IP needs root or CAP_NET_RAW) */
    TERN_ETIMEDOUT = -15,     /* a blocking call's timeout passed */
    TERN_ECONNREFUSED = -16,  /* the association could not be started */
    TERN_ECONNRESET = -17,    /* the association was aborted or lost */
    TERN_EPIPE = -18,         /* the association is shutting down: no more sends */
    TERN_EMSGSIZE = -19,      /* message larger than the send buffer */
    TERN_EINPROGRESS = -20,   /* non-blocking connect started: wait for writability */
    TERN_EALREADY = -21,      /* the operation is already under way */
    TERN_EIO = -22,           /* a system call failed (the runtime's errno says which) */
    TERN_EMFILE = -23,        /* too many sockets in this context */
    TERN_EAFNOSUPPORT = -24,  /* address family not supported by the socket */
    TERN_EADDRNOTAVAIL = -25, /* the address is not a local address, or not in use */
    TERN_ENOPROTOOPT = -26,   /* unknown socket option */
    TERN_ESHUTDOWN = -27,     /* the context is being freed */

    /* Wire decoding errors: the input is not a well-formed SCTP packet. */
    TERN_EWIRE_SHORT = -100,        /* packet shorter than the 12-byte common header */
    TERN_EWIRE_CHUNK_LEN = -101,    /* chunk length field below 4 */
    TERN_EWIRE_TRUNCATED = -102,    /* chunk runs past the end of the packet */
    TERN_EWIRE_PADDING = -103,      /* chunk padding missing or longer than 3 bytes */
    TERN_EWIRE_PARAM_LEN = -104,    /* parameter/cause length below 4 or past its chunk */
    TERN_EWIRE_LENGTH = -105,       /* length does not match the type's fixed layout */
    TERN_EWIRE_NO_USER_DATA = -106, /* DATA/I-DATA without payload (RFC 9260 §6.2) */
    TERN_EWIRE_CHECKSUM = -107,     /* CRC32c mismatch */
};

/* A short, static, English description of a TERN_E* code (or "unknown error"). */
const char *tern_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif
