/* HMAC-SHA256 state cookies (RFC 9260 §5.1.3, §5.1.5) with OpenSSL's
 * libcrypto: HMAC and a constant-time compare are what it is for. */
#include "core/cookie.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

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

void tern_cookie_keys_init(tern_cookie_keys *k, const uint8_t secret[TERN_COOKIE_SECRET_LEN])
{
    memset(k, 0, sizeof *k);
    memcpy(k->cur, secret, TERN_COOKIE_SECRET_LEN);
}

void tern_cookie_keys_rotate(tern_cookie_keys *k, const uint8_t secret[TERN_COOKIE_SECRET_LEN],
                             tern_time now)
{
    memcpy(k->prev, k->cur, TERN_COOKIE_SECRET_LEN);
    memcpy(k->cur, secret, TERN_COOKIE_SECRET_LEN);
    k->generation++;
    k->have_prev = true;
    k->prev_retired = now;
}

void tern_cookie_keys_clear(tern_cookie_keys *k)
{
    OPENSSL_cleanse(k, sizeof *k);
}

static bool mac(const uint8_t key[TERN_COOKIE_SECRET_LEN], const uint8_t *data, size_t len,
                uint8_t out[TERN_COOKIE_MAC_LEN])
{
    unsigned int n = 0;
    return HMAC(EVP_sha256(), key, TERN_COOKIE_SECRET_LEN, data, len, out, &n) != NULL &&
           n == TERN_COOKIE_MAC_LEN;
}

long tern_cookie_make(const tern_cookie_keys *k, tern_time now, tern_time life, const void *payload,
                      size_t len, uint8_t *out, size_t cap)
{
    if (cap < TERN_COOKIE_OVERHEAD || len > cap - TERN_COOKIE_OVERHEAD) return TERN_ENOSPC;
    tern_store32(out, k->generation);
    store64(out + 4, now);
    store64(out + 12, life);
    memcpy(out + TERN_COOKIE_HEADER_LEN, payload, len);
    size_t signed_len = TERN_COOKIE_HEADER_LEN + len;
    if (!mac(k->cur, out, signed_len, out + signed_len)) return TERN_ENOMEM;
    return (long)(signed_len + TERN_COOKIE_MAC_LEN);
}

enum tern_cookie_verdict tern_cookie_open(const tern_cookie_keys *k, const uint8_t *cookie,
                                          size_t len, tern_time now, tern_bytes *payload,
                                          tern_time *staleness)
{
    if (!cookie || len < TERN_COOKIE_OVERHEAD) return TERN_COOKIE_BAD;
    uint32_t gen = tern_load32(cookie);
    tern_time created = load64(cookie + 4), life = load64(cookie + 12);
    const uint8_t *key;
    if (gen == k->generation)
        key = k->cur;
    else if (k->have_prev && gen == k->generation - 1)
        key = k->prev;
    else
        return TERN_COOKIE_BAD;
    size_t signed_len = len - TERN_COOKIE_MAC_LEN;
    uint8_t want[TERN_COOKIE_MAC_LEN];
    if (!mac(key, cookie, signed_len, want) ||
        CRYPTO_memcmp(want, cookie + signed_len, TERN_COOKIE_MAC_LEN) != 0)
        return TERN_COOKIE_BAD;
    /* The previous secret only vouches for cookies made while it was current. */
    if (key == k->prev && created > k->prev_retired) return TERN_COOKIE_BAD;
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
