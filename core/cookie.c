/* HMAC-SHA256 state cookies (RFC 9260 §5.1.3, §5.1.5) with OpenSSL's
 * libcrypto: SHA-256 and a constant-time compare are what it is for.
 *
 * HMAC (RFC 2104) by hand over SHA-256 states precomputed per key: the
 * one-shot HMAC() of OpenSSL 3 fetches the algorithm and parses parameters
 * on every call, 4 times the hashing itself (22,500 instructions of a
 * 109,000-instruction association setup on the server). SHA256_Init and
 * friends are deprecated in OpenSSL 3 in favour of EVP, whose contexts
 * must be allocated; these need no allocation and no teardown. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "core/cookie.h"

#include "core/mem.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

_Static_assert(sizeof(SHA256_CTX) <= TERN_COOKIE_MID_LEN, "TERN_COOKIE_MID_LEN: SHA256_CTX");

#define BLOCK 64 /* SHA-256's block: the key is padded to it */

/* mid[0] the inner state (key ^ ipad hashed), mid[1] the outer (key ^ opad). */
static void precompute(uint8_t (*mid)[TERN_COOKIE_MID_LEN],
                       const uint8_t key[TERN_COOKIE_SECRET_LEN])
{
    uint8_t pad[BLOCK];
    SHA256_CTX c;
    for (int k = 0; k < 2; k++) {
        memset(pad, k == 0 ? 0x36 : 0x5c, sizeof pad);
        for (int i = 0; i < TERN_COOKIE_SECRET_LEN; i++)
            pad[i] ^= key[i];
        SHA256_Init(&c);
        SHA256_Update(&c, pad, sizeof pad);
        memcpy(mid[k], &c, sizeof c);
    }
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(&c, sizeof c);
}

#include "wire/endian.h"

static void store64(uint8_t *p, uint64_t v)
{
    tern_store32(p, (uint32_t)(v >> 32));
    tern_store32(p + 4, (uint32_t)v);
}

static uint64_t load64(const uint8_t *p)
{
    return (uint64_t)tern_load32(p) << 32 | tern_load32(p + 4);
}

#define MID_BYTES (4 * TERN_COOKIE_MID_LEN)

void tern_cookie_keys_init(tern_cookie_keys *k, const uint8_t secret[TERN_COOKIE_SECRET_LEN],
                           const tern_allocator *alloc)
{
    memset(k, 0, sizeof *k);
    memcpy(k->cur, secret, TERN_COOKIE_SECRET_LEN);
    k->alloc = alloc;
}

void tern_cookie_keys_rotate(tern_cookie_keys *k, const uint8_t secret[TERN_COOKIE_SECRET_LEN],
                             tern_time now)
{
    memcpy(k->prev, k->cur, TERN_COOKIE_SECRET_LEN);
    memcpy(k->cur, secret, TERN_COOKIE_SECRET_LEN);
    if (k->mid) memcpy(k->mid[2], k->mid[0], 2 * sizeof k->mid[0]);
    k->mid_ok[1] = k->mid_ok[0];
    k->mid_ok[0] = false;
    k->generation++;
    k->have_prev = true;
    k->prev_retired = now;
}

void tern_cookie_keys_clear(tern_cookie_keys *k)
{
    if (k->mid) {
        OPENSSL_cleanse(k->mid, MID_BYTES);
        tern_mem_free(k->alloc, k->mid, MID_BYTES);
    }
    OPENSSL_cleanse(k, sizeof *k);
}

/* The states of cur (which 0) or prev (1), made if need be; in scratch
 * when the states cannot be allocated (then made for this MAC only). */
static const uint8_t (*states(tern_cookie_keys *k, int which,
                              uint8_t (*scratch)[TERN_COOKIE_MID_LEN]))[TERN_COOKIE_MID_LEN]
{
    if (!k->mid) k->mid = tern_mem_alloc(k->alloc, MID_BYTES);
    if (!k->mid) {
        precompute(scratch, which == 0 ? k->cur : k->prev);
        return (const uint8_t(*)[TERN_COOKIE_MID_LEN])scratch;
    }
    if (!k->mid_ok[which]) {
        precompute(&k->mid[2 * which], which == 0 ? k->cur : k->prev);
        k->mid_ok[which] = true;
    }
    return (const uint8_t(*)[TERN_COOKIE_MID_LEN]) & k->mid[2 * which];
}

/* HMAC-SHA256 of data under the key whose states are mid[0], mid[1]. */
static void mac(const uint8_t (*mid)[TERN_COOKIE_MID_LEN], const uint8_t *data, size_t len,
                uint8_t out[TERN_COOKIE_MAC_LEN])
{
    SHA256_CTX c;
    uint8_t inner[SHA256_DIGEST_LENGTH];
    memcpy(&c, mid[0], sizeof c);
    SHA256_Update(&c, data, len);
    SHA256_Final(inner, &c);
    memcpy(&c, mid[1], sizeof c);
    SHA256_Update(&c, inner, sizeof inner);
    SHA256_Final(out, &c);
}

long tern_cookie_make(tern_cookie_keys *k, tern_time now, tern_time life, const void *payload,
                      size_t len, uint8_t *out, size_t cap)
{
    if (cap < TERN_COOKIE_OVERHEAD || len > cap - TERN_COOKIE_OVERHEAD) return TERN_ENOSPC;
    tern_store32(out, k->generation);
    store64(out + 4, now);
    store64(out + 12, life);
    memcpy(out + TERN_COOKIE_HEADER_LEN, payload, len);
    size_t signed_len = TERN_COOKIE_HEADER_LEN + len;
    uint8_t scratch[2][TERN_COOKIE_MID_LEN];
    mac(states(k, 0, scratch), out, signed_len, out + signed_len);
    OPENSSL_cleanse(scratch, sizeof scratch);
    return (long)(signed_len + TERN_COOKIE_MAC_LEN);
}

enum tern_cookie_verdict tern_cookie_open(tern_cookie_keys *k, const uint8_t *cookie, size_t len,
                                          tern_time now, tern_bytes *payload, tern_time *staleness)
{
    if (!cookie || len < TERN_COOKIE_OVERHEAD) return TERN_COOKIE_BAD;
    uint32_t gen = tern_load32(cookie);
    tern_time created = load64(cookie + 4), life = load64(cookie + 12);
    const uint8_t(*mid)[TERN_COOKIE_MID_LEN];
    uint8_t scratch[2][TERN_COOKIE_MID_LEN];
    bool prev = false;
    if (gen == k->generation) {
        mid = states(k, 0, scratch);
    } else if (k->have_prev && gen == k->generation - 1) {
        prev = true;
        mid = states(k, 1, scratch);
    } else
        return TERN_COOKIE_BAD;
    size_t signed_len = len - TERN_COOKIE_MAC_LEN;
    uint8_t want[TERN_COOKIE_MAC_LEN];
    mac(mid, cookie, signed_len, want);
    OPENSSL_cleanse(scratch, sizeof scratch);
    if (CRYPTO_memcmp(want, cookie + signed_len, TERN_COOKIE_MAC_LEN) != 0) return TERN_COOKIE_BAD;
    /* The previous secret only vouches for cookies made while it was current. */
    if (prev && created > k->prev_retired) return TERN_COOKIE_BAD;
    payload->ptr = cookie + TERN_COOKIE_HEADER_LEN;
    payload->len = signed_len - TERN_COOKIE_HEADER_LEN;
    tern_time expires = created + life < created ? TERN_TIME_NEVER : created + life;
    if (now > expires) {
        *staleness = now - expires;
        return TERN_COOKIE_STALE;
    }
    *staleness = 0;
    return TERN_COOKIE_OK;
}
