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
    TERN_EAGAIN = -8, /* a buffer is full: try again later */

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
