/* Chunk codec: type table, dispatch, the empty chunks, and re-encoding of
 * decoded chunks (tern_chunk_put). */
#include "wire/chunk.h"

#include <string.h>

#include "wire/chunk_internal.h"

bool tern_chunk_type_known(uint8_t type)
{
    switch (type) {
    case TERN_CHUNK_DATA:
    case TERN_CHUNK_INIT:
    case TERN_CHUNK_INIT_ACK:
    case TERN_CHUNK_SACK:
    case TERN_CHUNK_HEARTBEAT:
    case TERN_CHUNK_HEARTBEAT_ACK:
    case TERN_CHUNK_ABORT:
    case TERN_CHUNK_SHUTDOWN:
    case TERN_CHUNK_SHUTDOWN_ACK:
    case TERN_CHUNK_ERROR:
    case TERN_CHUNK_COOKIE_ECHO:
    case TERN_CHUNK_COOKIE_ACK:
    case TERN_CHUNK_ECNE:
    case TERN_CHUNK_CWR:
    case TERN_CHUNK_SHUTDOWN_COMPLETE:
    case TERN_CHUNK_AUTH:
    case TERN_CHUNK_I_DATA:
    case TERN_CHUNK_ASCONF_ACK:
    case TERN_CHUNK_RECONFIG:
    case TERN_CHUNK_PAD:
    case TERN_CHUNK_FORWARD_TSN:
    case TERN_CHUNK_ASCONF:
    case TERN_CHUNK_I_FORWARD_TSN: return true;
    }
    return false;
}

/* Names as the RFCs spell them. */
const char *tern_chunk_type_name(uint8_t type)
{
    switch (type) {
    case TERN_CHUNK_DATA: return "DATA";
    case TERN_CHUNK_INIT: return "INIT";
    case TERN_CHUNK_INIT_ACK: return "INIT ACK";
    case TERN_CHUNK_SACK: return "SACK";
    case TERN_CHUNK_HEARTBEAT: return "HEARTBEAT";
    case TERN_CHUNK_HEARTBEAT_ACK: return "HEARTBEAT ACK";
    case TERN_CHUNK_ABORT: return "ABORT";
    case TERN_CHUNK_SHUTDOWN: return "SHUTDOWN";
    case TERN_CHUNK_SHUTDOWN_ACK: return "SHUTDOWN ACK";
    case TERN_CHUNK_ERROR: return "ERROR";
    case TERN_CHUNK_COOKIE_ECHO: return "COOKIE ECHO";
    case TERN_CHUNK_COOKIE_ACK: return "COOKIE ACK";
    case TERN_CHUNK_ECNE: return "ECNE";
    case TERN_CHUNK_CWR: return "CWR";
    case TERN_CHUNK_SHUTDOWN_COMPLETE: return "SHUTDOWN COMPLETE";
    case TERN_CHUNK_AUTH: return "AUTH";
    case TERN_CHUNK_I_DATA: return "I-DATA";
    case TERN_CHUNK_ASCONF_ACK: return "ASCONF-ACK";
    case TERN_CHUNK_RECONFIG: return "RE-CONFIG";
    case TERN_CHUNK_PAD: return "PAD";
    case TERN_CHUNK_FORWARD_TSN: return "FORWARD-TSN";
    case TERN_CHUNK_ASCONF: return "ASCONF";
    case TERN_CHUNK_I_FORWARD_TSN: return "I-FORWARD-TSN";
    }
    return "UNKNOWN";
}

static bool is_empty_type(uint8_t type)
{
    return type == TERN_CHUNK_SHUTDOWN_ACK || type == TERN_CHUNK_COOKIE_ACK ||
           type == TERN_CHUNK_SHUTDOWN_COMPLETE;
}

/* RFC 9260 §3.3.9, §3.3.12, §3.3.13: header only. */
int tern_empty_chunk_decode(const tern_chunk_raw *raw)
{
    if (!is_empty_type(raw->type)) return TERN_EINVAL;
    return raw->length == TERN_CHUNK_HEADER_LEN ? 0 : TERN_EWIRE_LENGTH;
}

int tern_empty_chunk_put(tern_wbuf *w, uint8_t type, uint8_t flags)
{
    if (!is_empty_type(type)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN, 0)) return w->err;
    tern_wbuf_chunk_end(w, tern_wbuf_chunk_begin(w, type, flags));
    return w->err;
}

int tern_chunk_decode(const tern_chunk_raw *raw, tern_chunk *out)
{
    out->type = raw->type;
    out->flags = raw->flags;
    out->raw = *raw;
    memset(&out->u, 0, sizeof out->u);
    switch (raw->type) {
    case TERN_CHUNK_DATA: return tern_data_decode(raw, &out->u.data);
    case TERN_CHUNK_I_DATA: return tern_idata_decode(raw, &out->u.idata);
    case TERN_CHUNK_INIT:
    case TERN_CHUNK_INIT_ACK: return tern_init_decode(raw, &out->u.init);
    case TERN_CHUNK_SACK: return tern_sack_decode(raw, &out->u.sack);
    case TERN_CHUNK_HEARTBEAT:
    case TERN_CHUNK_HEARTBEAT_ACK: return tern_heartbeat_decode(raw, &out->u.heartbeat);
    case TERN_CHUNK_ABORT:
    case TERN_CHUNK_ERROR: return tern_causes_decode(raw, &out->u.causes);
    case TERN_CHUNK_SHUTDOWN: return tern_shutdown_decode(raw, &out->u.shutdown);
    case TERN_CHUNK_SHUTDOWN_ACK:
    case TERN_CHUNK_COOKIE_ACK:
    case TERN_CHUNK_SHUTDOWN_COMPLETE: return tern_empty_chunk_decode(raw);
    case TERN_CHUNK_COOKIE_ECHO: return tern_cookie_echo_decode(raw, &out->u.cookie_echo);
    case TERN_CHUNK_ECNE:
    case TERN_CHUNK_CWR: return tern_ecn_decode(raw, &out->u.ecn);
    case TERN_CHUNK_AUTH: return tern_auth_decode(raw, &out->u.auth);
    case TERN_CHUNK_FORWARD_TSN: return tern_forward_tsn_decode(raw, &out->u.forward_tsn);
    case TERN_CHUNK_I_FORWARD_TSN: return tern_i_forward_tsn_decode(raw, &out->u.i_forward_tsn);
    case TERN_CHUNK_RECONFIG: return tern_reconfig_decode(raw, &out->u.reconfig);
    case TERN_CHUNK_ASCONF:
    case TERN_CHUNK_ASCONF_ACK: return tern_asconf_decode(raw, &out->u.asconf);
    case TERN_CHUNK_PAD: return tern_pad_decode(raw, &out->u.pad);
    }
    return 0;
}

/* ---- Re-encoding ----------------------------------------------------------
 * A chunk is written as: header, up to 16 fixed bytes, then up to two
 * variable regions copied as they are. TLV regions are copied whole, so a
 * Chunk Length that counted its last parameter's padding still does. */
typedef struct body {
    uint8_t fixed[16];
    size_t nfixed;
    tern_bytes var[2];
    int tlv_min, tlv_max; /* TLV count allowed in var[0]; max < 0: not TLVs */
} body;

static void fixed16(body *b, uint16_t v)
{
    tern_store16(b->fixed + b->nfixed, v);
    b->nfixed += 2;
}

static void fixed32(body *b, uint32_t v)
{
    tern_store32(b->fixed + b->nfixed, v);
    b->nfixed += 4;
}

static void tlvs(body *b, tern_bytes region, int min, int max)
{
    b->var[0] = region;
    b->tlv_min = min;
    b->tlv_max = max;
}

static tern_bytes view(const void *ptr, size_t len)
{
    tern_bytes v = {ptr, len};
    return v;
}

/* I-DATA's reserved half-word, kept from the wire when c was decoded. */
static uint16_t idata_reserved(const tern_chunk *c)
{
    const tern_chunk_raw *raw = &c->raw;
    if (raw->type != TERN_CHUNK_I_DATA || !raw->value.ptr || raw->value.len < 16) return 0;
    return tern_load16(raw->value.ptr + 6);
}

/* HEARTBEAT: the bytes after the Heartbeat Info TLV that the original Chunk
 * Length counted (its padding, §3.2 allows either form); empty unless c was
 * decoded and info still points into raw. */
static tern_bytes heartbeat_tail(const tern_chunk *c)
{
    const tern_chunk_raw *raw = &c->raw;
    tern_bytes info = c->u.heartbeat.info;
    tern_bytes none = {NULL, 0};
    if (raw->type != c->type || !raw->value.ptr || raw->value.len < TERN_TLV_HEADER_LEN)
        return none;
    if (info.ptr != raw->value.ptr + TERN_TLV_HEADER_LEN) return none;
    size_t used = TERN_TLV_HEADER_LEN + info.len;
    if (raw->value.len <= used || raw->value.len - used > 3) return none;
    return view(info.ptr + info.len, raw->value.len - used);
}

/* Lays out c's value; TERN_EINVAL if its views cannot be written. */
static int layout(const tern_chunk *c, body *b, uint8_t *flags)
{
    memset(b, 0, sizeof *b);
    b->tlv_max = -1;
    *flags = c->flags;
    switch (c->type) {
    case TERN_CHUNK_DATA: {
        const tern_data *d = &c->u.data;
        *flags = d->flags;
        fixed32(b, d->tsn);
        fixed16(b, d->stream);
        fixed16(b, d->ssn);
        fixed32(b, d->ppid);
        b->var[0] = d->payload;
        break;
    }
    case TERN_CHUNK_I_DATA: {
        const tern_idata *d = &c->u.idata;
        *flags = d->flags;
        fixed32(b, d->tsn);
        fixed16(b, d->stream);
        fixed16(b, idata_reserved(c));
        fixed32(b, d->mid);
        fixed32(b, (d->flags & TERN_DATA_FLAG_B) ? d->ppid : d->fsn);
        b->var[0] = d->payload;
        break;
    }
    case TERN_CHUNK_INIT:
    case TERN_CHUNK_INIT_ACK: {
        const tern_init *in = &c->u.init;
        fixed32(b, in->initiate_tag);
        fixed32(b, in->a_rwnd);
        fixed16(b, in->num_outbound_streams);
        fixed16(b, in->num_inbound_streams);
        fixed32(b, in->initial_tsn);
        tlvs(b, in->params, 0, 0xffff);
        break;
    }
    case TERN_CHUNK_SACK: {
        const tern_sack *s = &c->u.sack;
        fixed32(b, s->cum_tsn_ack);
        fixed32(b, s->a_rwnd);
        fixed16(b, s->num_gap_blocks);
        fixed16(b, s->num_dup_tsns);
        b->var[0] = view(s->gap_blocks, 4 * (size_t)s->num_gap_blocks);
        b->var[1] = view(s->dup_tsns, 4 * (size_t)s->num_dup_tsns);
        break;
    }
    case TERN_CHUNK_HEARTBEAT:
    case TERN_CHUNK_HEARTBEAT_ACK: {
        const tern_heartbeat *h = &c->u.heartbeat;
        fixed16(b, 1); /* Heartbeat Info */
        fixed16(b, (uint16_t)(TERN_TLV_HEADER_LEN + h->info.len));
        b->var[0] = h->info;
        b->var[1] = heartbeat_tail(c);
        break;
    }
    case TERN_CHUNK_ABORT:
    case TERN_CHUNK_ERROR: tlvs(b, c->u.causes.causes, 0, 0xffff); break;
    case TERN_CHUNK_SHUTDOWN: fixed32(b, c->u.shutdown.cum_tsn_ack); break;
    case TERN_CHUNK_SHUTDOWN_ACK:
    case TERN_CHUNK_COOKIE_ACK:
    case TERN_CHUNK_SHUTDOWN_COMPLETE: break;
    case TERN_CHUNK_COOKIE_ECHO: b->var[0] = c->u.cookie_echo.cookie; break;
    case TERN_CHUNK_ECNE:
    case TERN_CHUNK_CWR: fixed32(b, c->u.ecn.tsn); break;
    case TERN_CHUNK_AUTH: {
        const tern_auth *a = &c->u.auth;
        fixed16(b, a->shared_key_id);
        fixed16(b, a->hmac_id);
        b->var[0] = a->hmac;
        break;
    }
    case TERN_CHUNK_FORWARD_TSN: {
        const tern_forward_tsn *f = &c->u.forward_tsn;
        fixed32(b, f->new_cum_tsn);
        b->var[0] = view(f->streams, 4 * (size_t)f->num_streams);
        break;
    }
    case TERN_CHUNK_I_FORWARD_TSN: {
        const tern_i_forward_tsn *f = &c->u.i_forward_tsn;
        fixed32(b, f->new_cum_tsn);
        b->var[0] = view(f->entries, 8 * (size_t)f->num_entries);
        break;
    }
    case TERN_CHUNK_RECONFIG: tlvs(b, c->u.reconfig.params, 1, 2); break;
    case TERN_CHUNK_ASCONF:
    case TERN_CHUNK_ASCONF_ACK: {
        const tern_asconf *a = &c->u.asconf;
        fixed32(b, a->serial);
        tlvs(b, a->params, c->type == TERN_CHUNK_ASCONF ? 1 : 0, 0xffff);
        break;
    }
    case TERN_CHUNK_PAD: b->var[0] = c->u.pad.padding; break;
    default: b->var[0] = c->raw.value; break;
    }
    for (int i = 0; i < 2; i++)
        if (!bytes_ok(b->var[i].ptr, b->var[i].len)) return TERN_EINVAL;
    if (b->tlv_max >= 0) {
        size_t end;
        int n = tlv_region(b->var[0], &end);
        if (n < b->tlv_min || n > b->tlv_max) return TERN_EINVAL;
    }
    return 0;
}

int tern_chunk_put(tern_wbuf *w, const tern_chunk *c)
{
    body b;
    uint8_t flags;
    if (layout(c, &b, &flags)) return TERN_EINVAL;
    size_t var = b.var[0].len;
    if (var <= TERN_MAX_CHUNK_LEN) var += b.var[1].len; /* no wrap-around */
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + b.nfixed, var)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, c->type, flags);
    tern_wbuf_put(w, b.fixed, b.nfixed);
    tern_wbuf_put(w, b.var[0].ptr, b.var[0].len);
    tern_wbuf_put(w, b.var[1].ptr, b.var[1].len);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}
