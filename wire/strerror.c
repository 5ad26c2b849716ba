#include <tern/error.h>

#define TERN_EXPORT __attribute__((visibility("default")))

TERN_EXPORT const char *tern_strerror(int err)
{
    switch (err) {
    case TERN_OK: return "success";
    case TERN_EINVAL: return "invalid argument";
    case TERN_ENOMEM: return "out of memory or over a configured limit";
    case TERN_ENOSPC: return "output buffer too small";
    case TERN_ERANGE: return "value does not fit its field";
    case TERN_ENOENT: return "no such association";
    case TERN_ESTATE: return "not allowed in the association's current state";
    case TERN_EEXIST: return "an association with that peer already exists";
    case TERN_EAGAIN: return "buffer full: try again later";
    case TERN_EWIRE_SHORT: return "packet shorter than the SCTP common header";
    case TERN_EWIRE_CHUNK_LEN: return "chunk length below 4";
    case TERN_EWIRE_TRUNCATED: return "chunk runs past the end of the packet";
    case TERN_EWIRE_PADDING: return "chunk padding missing or too long";
    case TERN_EWIRE_PARAM_LEN: return "parameter length invalid";
    case TERN_EWIRE_LENGTH: return "length does not match the chunk or parameter layout";
    case TERN_EWIRE_NO_USER_DATA: return "DATA chunk without user data";
    case TERN_EWIRE_CHECKSUM: return "checksum mismatch";
    }
    return "unknown error";
}
