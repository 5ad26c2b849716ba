/* libFuzzer harness for the packet decoder (wire/).
 *
 * Beyond "does not crash": every chunk, parameter and error cause that
 * decodes must re-encode to exactly the bytes it came from, and every
 * decoded view must lie inside the input. */
#include <stdlib.h>
#include <string.h>

#include "wire/cause.h"
#include "wire/chunk.h"
#include "wire/packet.h"
#include "wire/param.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in_lo, *in_hi;

static void assert_inside(tern_bytes b)
{
    if (b.len && (b.ptr < in_lo || b.ptr + b.len > in_hi)) abort();
}

static void check_cause(const tern_tlv *tlv)
{
    tern_cause c;
    if (tern_cause_decode(tlv, &c) != 0) return;
    uint8_t out[70000];
    tern_wbuf w;
    tern_wbuf_init(&w, out, sizeof out);
    if (tern_cause_put(&w, &c) != 0) abort();
    /* Byte-exact up to the TLV's own length; padding is written as zeros. */
    if (w.len < tlv->length || memcmp(out, tlv->start, tlv->length) != 0) abort();
}

static void check_causes(tern_bytes region)
{
    tern_tlv_iter it;
    tern_tlv tlv;
    assert_inside(region);
    tern_tlv_iter_init_bytes(&it, region);
    while (tern_tlv_next(&it, &tlv) > 0)
        check_cause(&tlv);
}

static void check_param(const tern_tlv *tlv)
{
    tern_param p;
    if (tern_param_decode(tlv, &p) != 0) return;
    uint8_t out[70000];
    tern_wbuf w;
    tern_wbuf_init(&w, out, sizeof out);
    if (tern_param_put(&w, &p) != 0) abort();
    if (w.len < tlv->length || memcmp(out, tlv->start, tlv->length) != 0) abort();
    if (p.type == TERN_PARAM_ERROR_CAUSE_IND) check_causes(p.u.error_ind.causes);
}

static void check_params(tern_bytes region)
{
    tern_tlv_iter it;
    tern_tlv tlv;
    assert_inside(region);
    tern_tlv_iter_init_bytes(&it, region);
    while (tern_tlv_next(&it, &tlv) > 0)
        check_param(&tlv);
}

static void check_chunk(const tern_chunk_raw *raw)
{
    tern_chunk c;
    int rc = tern_chunk_decode(raw, &c);
    if (rc != 0) return;
    uint8_t out[70000];
    tern_wbuf w;
    tern_wbuf_init(&w, out, sizeof out);
    if (tern_chunk_put(&w, &c) != 0) abort();
    if (w.len < raw->length || memcmp(out, raw->start, raw->length) != 0) abort();
    switch (c.type) {
    case TERN_CHUNK_INIT:
    case TERN_CHUNK_INIT_ACK: check_params(c.u.init.params); break;
    case TERN_CHUNK_ABORT:
    case TERN_CHUNK_ERROR: check_causes(c.u.causes.causes); break;
    case TERN_CHUNK_RECONFIG: check_params(c.u.reconfig.params); break;
    case TERN_CHUNK_ASCONF:
    case TERN_CHUNK_ASCONF_ACK: check_params(c.u.asconf.params); break;
    case TERN_CHUNK_DATA: assert_inside(c.u.data.payload); break;
    case TERN_CHUNK_I_DATA: assert_inside(c.u.idata.payload); break;
    case TERN_CHUNK_HEARTBEAT:
    case TERN_CHUNK_HEARTBEAT_ACK: assert_inside(c.u.heartbeat.info); break;
    case TERN_CHUNK_COOKIE_ECHO: assert_inside(c.u.cookie_echo.cookie); break;
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_common_header hdr;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    in_lo = data;
    in_hi = data + size;
    if (tern_packet_parse(data, size, &hdr, &it) != 0) return 0;
    (void)tern_packet_checksum_ok(data, size);
    int rc, n = 0;
    while ((rc = tern_chunk_next(&it, &raw)) > 0) {
        assert_inside(raw.value);
        check_chunk(&raw);
        n++;
    }
    int v = tern_packet_validate(data, size);
    if ((rc == 0 && v != n) || (rc < 0 && v != rc)) abort();
    return 0;
}
