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
    case TERN_EAGAIN: return "would block: buffer full or nothing ready, try again later";
    case TERN_EBADF: return "not an open socket of this context";
    case TERN_ENOTCONN: return "not connected: no association";
    case TERN_EISCONN: return "already connected or connecting";
    case TERN_EOPNOTSUPP: return "operation not supported on this socket or transport";
    case TERN_EADDRINUSE: return "address or port already in use";
    case TERN_EPERM: return "not permitted (raw IP needs root or CAP_NET_RAW)";
    case TERN_ETIMEDOUT: return "timed out";
    case TERN_ECONNREFUSED: return "association could not be started";
    case TERN_ECONNRESET: return "association aborted or lost";
    case TERN_EPIPE: return "association shutting down: no more sends";
    case TERN_EMSGSIZE: return "message larger than the send buffer";
    case TERN_EINPROGRESS: return "connection in progress";
    case TERN_EALREADY: return "operation already in progress";
    case TERN_EIO: return "system call failed";
    case TERN_EMFILE: return "too many sockets in this context";
    case TERN_EAFNOSUPPORT: return "address family not supported";
    case TERN_EADDRNOTAVAIL: return "address not available";
    case TERN_ENOPROTOOPT: return "unknown socket option";
    case TERN_ESHUTDOWN: return "context is being freed";
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
