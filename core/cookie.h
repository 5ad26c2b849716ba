/* State cookies (RFC 9260 §5.1.3, §5.1.5): an opaque payload, a creation
 * time and a lifetime, signed with HMAC-SHA256 under a secret only this
 * endpoint knows. Rotating the secret keeps the previous one for cookies
 * it signed, so they stay valid until their own lifetime ends. */
#ifndef TERN_CORE_COOKIE_H
#define TERN_CORE_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/core.h>

#include "wire/packet.h"

#define TERN_COOKIE_SECRET_LEN 32
#define TERN_COOKIE_MAC_LEN    32
/* Header: generation (4), created (8), lifetime (8); then payload, then MAC. */
#define TERN_COOKIE_HEADER_LEN 20
#define TERN_COOKIE_OVERHEAD   (TERN_COOKIE_HEADER_LEN + TERN_COOKIE_MAC_LEN)
#define TERN_COOKIE_MID_LEN    128 /* room for a SHA256_CTX */

typedef struct tern_cookie_keys {
    uint8_t cur[TERN_COOKIE_SECRET_LEN];
    uint8_t prev[TERN_COOKIE_SECRET_LEN];
    uint32_t generation; /* of cur; prev is generation - 1 */
    bool have_prev;
    tern_time prev_retired; /* when prev stopped signing */
    /* HMAC's inner and outer SHA-256 states after the keyed pads, for cur
     * (0, 1) and prev (2, 3): each MAC then hashes only the cookie. Allocated
     * and made at the first use (mid_ok): an endpoint that only connects
     * never signs, and every connecting socket has one (512 bytes each). */
    uint8_t (*mid)[TERN_COOKIE_MID_LEN];
    bool mid_ok[2];              /* cur, prev */
    const tern_allocator *alloc; /* for mid (NULL: malloc) */
} tern_cookie_keys;

enum tern_cookie_verdict {
    TERN_COOKIE_OK = 0,
    TERN_COOKIE_BAD,   /* short, unknown key or MAC mismatch: discard silently */
    TERN_COOKIE_STALE, /* authentic but past its lifetime */
};

/* alloc (NULL: malloc) is kept for the precomputed states; clear frees them. */
void tern_cookie_keys_init(tern_cookie_keys *k, const uint8_t secret[TERN_COOKIE_SECRET_LEN],
                           const tern_allocator *alloc);
void tern_cookie_keys_rotate(tern_cookie_keys *k, const uint8_t secret[TERN_COOKIE_SECRET_LEN],
                             tern_time now);
/* Wipes the secrets. */
void tern_cookie_keys_clear(tern_cookie_keys *k);

/* Writes a signed cookie into out: its length (len + TERN_COOKIE_OVERHEAD),
 * or TERN_ENOSPC if cap is too small. */
long tern_cookie_make(tern_cookie_keys *k, tern_time now, tern_time life, const void *payload,
                      size_t len, uint8_t *out, size_t cap);

/* Authenticates a cookie (§5.1.5 steps 2–3). On OK and STALE, *payload
 * views the payload inside cookie; on STALE, *staleness is how long ago
 * the lifetime ended. */
enum tern_cookie_verdict tern_cookie_open(tern_cookie_keys *k, const uint8_t *cookie, size_t len,
                                          tern_time now, tern_bytes *payload, tern_time *staleness);

#endif
