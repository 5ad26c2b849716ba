/* Builds one SCTP packet per chunk type (and per parameter / cause family)
 * with Tern's encoder, for an independent decoder to judge.
 *
 *   gen_packets [--sabotage | --sync-to PORT] PCAP EXPECTED [CORPUS_DIR]
 *
 * PCAP: Ethernet/IPv4/UDP frames, SCTP over UDP port 9899 (RFC 6951), with
 * valid IPv4 and UDP checksums and the SCTP CRC32c. EXPECTED: one line per
 * frame with the comma-separated chunk types tshark must report. CORPUS_DIR:
 * also write each bare SCTP packet there (the fuzzers' seed corpus).
 * --sabotage: instead, two bad frames the judge must catch: a wrong CRC32c,
 * then a SACK whose gap count disagrees with its length.
 * --sync-to PORT: after the packets, a test driver's sync datagram
 * ("tern-sync-end", not SCTP) from UDP port 9899 to PORT, as when the
 * driver's ephemeral port happens to be a peer's freed port. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/wireshark/pcap_writer.h"
#include "wire/cause.h"
#include "wire/chunk.h"
#include "wire/packet.h"
#include "wire/param.h"

#define SCTP_UDP_PORT 9899
#define MAX_PKT       4096

typedef struct out {
    FILE *pcap;
    FILE *expected;
    const char *corpus_dir;
    int frames;
} out;

static void die(const char *what)
{
    fprintf(stderr, "gen_packets: %s\n", what);
    exit(1);
}

/* Wraps an SCTP packet in Ethernet + IPv4 (127.0.0.1 → 127.0.0.2) + UDP. */
static void write_frame(out *o, const uint8_t *sctp, size_t len, const char *chunk_types)
{
    static const pcap_udp_end src = {{127, 0, 0, 1}, SCTP_UDP_PORT};
    static const pcap_udp_end dst = {{127, 0, 0, 2}, SCTP_UDP_PORT};
    /* ts: one frame a second */
    if (pcap_write_udp4(o->pcap, (uint32_t)o->frames, 0, &src, &dst, sctp, len) != 0)
        die("packet too long for a frame");
    fprintf(o->expected, "%s\n", chunk_types);
    if (o->corpus_dir) {
        char path[512];
        snprintf(path, sizeof path, "%s/seed-%03d", o->corpus_dir, o->frames);
        FILE *f = fopen(path, "wb");
        if (!f) die("cannot write corpus file");
        fwrite(sctp, 1, len, f);
        fclose(f);
    }
    o->frames++;
}

/* Finishes a packet (checksum), checks our own decoder accepts it, writes it. */
static void emit(out *o, tern_wbuf *w, const char *chunk_types)
{
    if (w->err) die("packet builder failed");
    tern_packet_set_checksum(w->buf, w->len);
    if (tern_packet_validate(w->buf, w->len) < 1) die("own decoder rejects a built packet");
    write_frame(o, w->buf, w->len, chunk_types);
}

static void begin(tern_wbuf *w, uint8_t *buf, uint32_t vtag)
{
    tern_wbuf_init(w, buf, MAX_PKT);
    tern_wbuf_common_header(w, 5000, 5001, vtag);
}

static void put_param(tern_wbuf *w, const tern_param *p)
{
    if (tern_param_put(w, p) != 0) die("param builder failed");
}

static void init_params(tern_wbuf *w, int ack)
{
    tern_param p;
    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_IPV4;
    memcpy(p.u.ipv4, (uint8_t[]){192, 0, 2, 1}, 4);
    put_param(w, &p);
    p.type = TERN_PARAM_IPV6;
    memcpy(p.u.ipv6, (uint8_t[]){0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 16);
    put_param(w, &p);
    if (!ack) {
        p.type = TERN_PARAM_COOKIE_PRESERVATIVE;
        p.u.cookie_preservative = 5000;
        put_param(w, &p);
        static const uint8_t addr_types[] = {0, 5, 0, 6};
        p.type = TERN_PARAM_SUPPORTED_ADDR_TYPES;
        p.u.addr_types = (tern_list16){2, addr_types};
        put_param(w, &p);
    } else {
        static const uint8_t cookie[] = "opaque state cookie, 39 bytes long....";
        p.type = TERN_PARAM_STATE_COOKIE;
        p.u.bytes = (tern_bytes){cookie, sizeof cookie - 1};
        put_param(w, &p);
        /* An unrecognized parameter reported back (§3.2.2): type 0xBEEF. */
        static const uint8_t unknown[] = {0xBE, 0xEF, 0x00, 0x06, 0x12, 0x34, 0x00, 0x00};
        p.type = TERN_PARAM_UNRECOGNIZED;
        p.u.bytes = (tern_bytes){unknown, 6}; /* its padding is the outer one's */
        put_param(w, &p);
    }
    p.type = TERN_PARAM_ECN_CAPABLE;
    put_param(w, &p);
    p.type = TERN_PARAM_FORWARD_TSN;
    put_param(w, &p);
    static const uint8_t exts[] = {
        TERN_CHUNK_I_DATA, TERN_CHUNK_RECONFIG,   TERN_CHUNK_FORWARD_TSN, TERN_CHUNK_I_FORWARD_TSN,
        TERN_CHUNK_ASCONF, TERN_CHUNK_ASCONF_ACK, TERN_CHUNK_AUTH};
    p.type = TERN_PARAM_SUPPORTED_EXT;
    p.u.bytes = (tern_bytes){exts, sizeof exts};
    put_param(w, &p);
    uint8_t random[32];
    for (int i = 0; i < 32; i++)
        random[i] = (uint8_t)(i * 37 + 11);
    p.type = TERN_PARAM_RANDOM;
    p.u.bytes = (tern_bytes){random, sizeof random};
    put_param(w, &p);
    static const uint8_t auth_chunks[] = {TERN_CHUNK_ASCONF, TERN_CHUNK_ASCONF_ACK};
    p.type = TERN_PARAM_CHUNK_LIST;
    p.u.bytes = (tern_bytes){auth_chunks, sizeof auth_chunks};
    put_param(w, &p);
    static const uint8_t hmacs[] = {0, TERN_HMAC_SHA256, 0, TERN_HMAC_SHA1};
    p.type = TERN_PARAM_HMAC_ALGO;
    p.u.hmac_ids = (tern_list16){2, hmacs};
    put_param(w, &p);
    p.type = TERN_PARAM_ADAPTATION;
    p.u.adaptation = 0x01020304;
    put_param(w, &p);
    p.type = TERN_PARAM_ZERO_CHECKSUM;
    p.u.zero_checksum_edmid = 1;
    put_param(w, &p);
}

static void gen_init(out *o, uint8_t *buf)
{
    tern_wbuf w, params;
    uint8_t pbuf[1024];
    for (int ack = 0; ack <= 1; ack++) {
        tern_wbuf_init(&params, pbuf, sizeof pbuf);
        init_params(&params, ack);
        if (params.err) die("INIT params");
        tern_init init = {0x11223344, 131072, 16, 16, 0xfffffff0, {pbuf, params.len}};
        begin(&w, buf, ack ? 0x55667788 : 0);
        tern_init_put(&w, ack ? TERN_CHUNK_INIT_ACK : TERN_CHUNK_INIT, &init);
        emit(o, &w, ack ? "2" : "1");
    }
    /* Host Name Address (§3.3.2.1.4), recognised so it can be refused. */
    tern_wbuf_init(&params, pbuf, sizeof pbuf);
    tern_param p = {.type = TERN_PARAM_HOST_NAME};
    p.u.bytes = (tern_bytes){(const uint8_t *)"example.org", 12};
    put_param(&params, &p);
    tern_init init = {0x01020304, 65536, 10, 10, 1, {pbuf, params.len}};
    begin(&w, buf, 0);
    tern_init_put(&w, TERN_CHUNK_INIT, &init);
    emit(o, &w, "1");
}

static void gen_data(out *o, uint8_t *buf)
{
    tern_wbuf w;
    static const char msg[] = "hello, tern";
    tern_data d = {TERN_DATA_FLAG_B | TERN_DATA_FLAG_E,   0xfffffff0, 3, 7, 51,
                   {(const uint8_t *)msg, sizeof msg - 1}};
    begin(&w, buf, 0x55667788);
    tern_data_put(&w, &d);
    d.flags = TERN_DATA_FLAG_U | TERN_DATA_FLAG_I | TERN_DATA_FLAG_B;
    d.tsn++;
    tern_data_put(&w, &d);
    emit(o, &w, "0,0");

    tern_idata first = {TERN_DATA_FLAG_B, 100, 2, 9, 51, 0, {(const uint8_t *)msg, 5}};
    tern_idata rest = {TERN_DATA_FLAG_E, 101, 2, 9, 0, 1, {(const uint8_t *)msg + 5, 6}};
    begin(&w, buf, 0x55667788);
    tern_idata_put(&w, &first);
    tern_idata_put(&w, &rest);
    emit(o, &w, "64,64");
}

static void gen_control(out *o, uint8_t *buf)
{
    tern_wbuf w;
    tern_gap_block gaps[2] = {{2, 3}, {6, 9}};
    uint32_t dups[2] = {0xfffffff1, 0xfffffff2};
    begin(&w, buf, 0x55667788);
    tern_sack_put(&w, 0xfffffff0, 65536, gaps, 2, dups, 2);
    emit(o, &w, "3");

    static const uint8_t info[] = "heartbeat info: path 1, nonce";
    begin(&w, buf, 0x55667788);
    tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, info, sizeof info - 1);
    emit(o, &w, "4");
    begin(&w, buf, 0x11223344);
    tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT_ACK, info, sizeof info - 1);
    emit(o, &w, "5");

    begin(&w, buf, 0x55667788);
    tern_shutdown_put(&w, 0xfffffff1);
    emit(o, &w, "7");
    begin(&w, buf, 0x11223344);
    tern_empty_chunk_put(&w, TERN_CHUNK_SHUTDOWN_ACK, 0);
    emit(o, &w, "8");
    begin(&w, buf, 0x55667788);
    tern_empty_chunk_put(&w, TERN_CHUNK_SHUTDOWN_COMPLETE, 0);
    emit(o, &w, "14");
    begin(&w, buf, 0x11223344); /* T bit: the tag is the sender's own */
    tern_empty_chunk_put(&w, TERN_CHUNK_SHUTDOWN_COMPLETE, TERN_CHUNK_FLAG_T);
    emit(o, &w, "14");

    static const uint8_t cookie[] = "opaque state cookie, 39 bytes long....";
    begin(&w, buf, 0x11223344);
    tern_cookie_echo_put(&w, cookie, sizeof cookie - 1);
    emit(o, &w, "10");
    begin(&w, buf, 0x55667788);
    tern_empty_chunk_put(&w, TERN_CHUNK_COOKIE_ACK, 0);
    emit(o, &w, "11");

    begin(&w, buf, 0x55667788);
    tern_ecn_put(&w, TERN_CHUNK_ECNE, 0xfffffff5);
    emit(o, &w, "12");
    begin(&w, buf, 0x11223344);
    tern_ecn_put(&w, TERN_CHUNK_CWR, 0xfffffff5);
    emit(o, &w, "13");

    uint8_t hmac[32];
    memset(hmac, 0xA5, sizeof hmac);
    static const char msg[] = "authenticated";
    tern_data d = {TERN_DATA_FLAG_B | TERN_DATA_FLAG_E,   7, 0, 0, 0,
                   {(const uint8_t *)msg, sizeof msg - 1}};
    begin(&w, buf, 0x55667788);
    tern_auth_put(&w, 0, TERN_HMAC_SHA256, hmac, sizeof hmac);
    tern_data_put(&w, &d);
    emit(o, &w, "15,0");

    begin(&w, buf, 0x55667788);
    tern_pad_put(&w, 37);
    tern_empty_chunk_put(&w, TERN_CHUNK_COOKIE_ACK, 0);
    emit(o, &w, "132,11");

    tern_fwd_stream fs[2] = {{1, 10}, {4, 0xffff}};
    begin(&w, buf, 0x55667788);
    tern_forward_tsn_put(&w, 0xfffffff9, fs, 2);
    emit(o, &w, "192");
    tern_ifwd_entry ie[2] = {{1, false, 10}, {4, true, 0xfffffffe}};
    begin(&w, buf, 0x55667788);
    tern_i_forward_tsn_put(&w, 0xfffffff9, ie, 2);
    emit(o, &w, "194");
}

static void gen_causes(out *o, uint8_t *buf)
{
    tern_wbuf w;
    uint8_t cbuf[2048];
    tern_wbuf c;
    static const uint8_t ipv4_tlv[] = {0, 5, 0, 8, 192, 0, 2, 7};
    static const uint8_t unknown_chunk[] = {0x7F, 0x00, 0x00, 0x08, 1, 2, 3, 4};
    static const uint8_t unknown_param[] = {0x7F, 0xFE, 0x00, 0x05, 0x42, 0, 0, 0};
    static const uint16_t missing[] = {TERN_PARAM_STATE_COOKIE, TERN_PARAM_IPV4, TERN_PARAM_IPV6};

    tern_wbuf_init(&c, cbuf, sizeof cbuf);
    tern_cause_put_invalid_stream(&c, 17);
    tern_cause_put_missing_params(&c, missing, 3);
    tern_cause_put_stale_cookie(&c, 1500000);
    tern_cause_put_bytes(&c, TERN_CAUSE_OUT_OF_RESOURCE, NULL, 0);
    tern_cause_put_bytes(&c, TERN_CAUSE_UNRESOLVABLE_ADDR, ipv4_tlv, sizeof ipv4_tlv);
    tern_cause_put_bytes(&c, TERN_CAUSE_UNRECOGNIZED_CHUNK, unknown_chunk, sizeof unknown_chunk);
    tern_cause_put_bytes(&c, TERN_CAUSE_INVALID_PARAM, NULL, 0);
    /* The quoted parameter's own padding becomes the cause's (§3.2). */
    tern_cause_put_bytes(&c, TERN_CAUSE_UNRECOGNIZED_PARAMS, unknown_param, 5);
    tern_cause_put_no_user_data(&c, 0xfffffff3);
    tern_cause_put_bytes(&c, TERN_CAUSE_COOKIE_WHILE_SHUTDOWN, NULL, 0);
    tern_cause_put_bytes(&c, TERN_CAUSE_RESTART_NEW_ADDRS, ipv4_tlv, sizeof ipv4_tlv);
    tern_cause_put_bytes(&c, TERN_CAUSE_PROTOCOL_VIOLATION, "bad TSN", 7);
    if (c.err) die("causes");
    begin(&w, buf, 0x55667788);
    tern_causes_put(&w, TERN_CHUNK_ERROR, 0, (tern_bytes){cbuf, c.len});
    /* tshark also lists the chunk quoted by Unrecognized Chunk Type (0x7F). */
    emit(o, &w, "9,127");

    tern_wbuf_init(&c, cbuf, sizeof cbuf);
    tern_cause_put_bytes(&c, TERN_CAUSE_DELETE_LAST_ADDR, ipv4_tlv, sizeof ipv4_tlv);
    tern_cause_put_bytes(&c, TERN_CAUSE_RESOURCE_SHORTAGE, ipv4_tlv, sizeof ipv4_tlv);
    tern_cause_put_bytes(&c, TERN_CAUSE_DELETE_SOURCE_ADDR, ipv4_tlv, sizeof ipv4_tlv);
    tern_cause_put_bytes(&c, TERN_CAUSE_NO_AUTHORIZATION, ipv4_tlv, sizeof ipv4_tlv);
    tern_cause c_hmac = {.code = TERN_CAUSE_UNSUPPORTED_HMAC};
    c_hmac.u.hmac_id = 2;
    tern_cause_put(&c, &c_hmac);
    if (c.err) die("extension causes");
    begin(&w, buf, 0x55667788);
    tern_causes_put(&w, TERN_CHUNK_ERROR, 0, (tern_bytes){cbuf, c.len});
    emit(o, &w, "9");

    tern_wbuf_init(&c, cbuf, sizeof cbuf);
    tern_cause_put_bytes(&c, TERN_CAUSE_USER_ABORT, "operator shut it down", 21);
    begin(&w, buf, 0x55667788);
    tern_causes_put(&w, TERN_CHUNK_ABORT, 0, (tern_bytes){cbuf, c.len});
    emit(o, &w, "6");
    tern_wbuf_init(&c, cbuf, sizeof cbuf);
    tern_cause_put_bytes(&c, TERN_CAUSE_ILLEGAL_ASCONF_ACK, NULL, 0);
    begin(&w, buf, 0x11223344);
    tern_causes_put(&w, TERN_CHUNK_ABORT, TERN_CHUNK_FLAG_T, (tern_bytes){cbuf, c.len});
    emit(o, &w, "6");
}

static void gen_reconfig(out *o, uint8_t *buf)
{
    static const uint8_t streams[] = {0, 1, 0, 5, 0, 9};
    tern_param reqs[7];
    memset(reqs, 0, sizeof reqs);
    reqs[0].type = TERN_PARAM_OUT_SSN_RESET_REQ;
    reqs[0].u.out_reset.req_seq = 1000;
    reqs[0].u.out_reset.resp_seq = 2000;
    reqs[0].u.out_reset.last_tsn = 0xfffffff0;
    reqs[0].u.out_reset.streams = (tern_list16){3, streams};
    reqs[1].type = TERN_PARAM_IN_SSN_RESET_REQ;
    reqs[1].u.in_reset.req_seq = 1001;
    reqs[1].u.in_reset.streams = (tern_list16){3, streams};
    reqs[2].type = TERN_PARAM_SSN_TSN_RESET_REQ;
    reqs[2].u.tsn_reset.req_seq = 1002;
    reqs[3].type = TERN_PARAM_RECONFIG_RESP;
    reqs[3].u.reconfig_resp.resp_seq = 2000;
    reqs[3].u.reconfig_resp.result = TERN_RECONFIG_SUCCESS_PERFORMED;
    reqs[4] = reqs[3];
    reqs[4].u.reconfig_resp.has_tsns = true;
    reqs[4].u.reconfig_resp.sender_next_tsn = 77;
    reqs[4].u.reconfig_resp.receiver_next_tsn = 88;
    reqs[5].type = TERN_PARAM_ADD_OUT_STREAMS;
    reqs[5].u.add_streams.req_seq = 1003;
    reqs[5].u.add_streams.num_streams = 8;
    reqs[6].type = TERN_PARAM_ADD_IN_STREAMS;
    reqs[6].u.add_streams.req_seq = 1004;
    reqs[6].u.add_streams.num_streams = 8;
    /* Outgoing + incoming together (RFC 6525 §3.1 allows the pair), then one each. */
    for (int i = 1; i < 7; i++) {
        uint8_t pbuf[256];
        tern_wbuf p, w;
        tern_wbuf_init(&p, pbuf, sizeof pbuf);
        if (i == 1) put_param(&p, &reqs[0]);
        put_param(&p, &reqs[i]);
        begin(&w, buf, 0x55667788);
        tern_reconfig_put(&w, (tern_bytes){pbuf, p.len});
        emit(o, &w, "130");
    }
}

static void gen_asconf(out *o, uint8_t *buf)
{
    static const uint8_t ipv4_tlv[] = {0, 5, 0, 8, 192, 0, 2, 9};
    static const uint8_t ipv6_tlv[] = {0, 6, 0, 20, 0x20, 0x01, 0x0d, 0xb8, 0, 0,
                                       0, 0, 0, 0,  0,    0,    0,    0,    0, 0x42};
    uint8_t pbuf[512], cbuf[64];
    tern_wbuf p, w, c;
    tern_param prm;
    tern_wbuf_init(&p, pbuf, sizeof pbuf);
    tern_wbuf_put(&p, ipv4_tlv, sizeof ipv4_tlv); /* the sender's address */
    memset(&prm, 0, sizeof prm);
    prm.type = TERN_PARAM_ADD_IP;
    prm.u.asconf_addr.correlation_id = 1;
    tern_tlv_iter it;
    tern_tlv_iter_init(&it, ipv6_tlv, sizeof ipv6_tlv);
    if (tern_tlv_next(&it, &prm.u.asconf_addr.addr) != 1) die("ipv6 tlv");
    put_param(&p, &prm);
    prm.type = TERN_PARAM_SET_PRIMARY;
    prm.u.asconf_addr.correlation_id = 2;
    put_param(&p, &prm);
    prm.type = TERN_PARAM_DEL_IP;
    prm.u.asconf_addr.correlation_id = 3;
    tern_tlv_iter_init(&it, ipv4_tlv, sizeof ipv4_tlv);
    if (tern_tlv_next(&it, &prm.u.asconf_addr.addr) != 1) die("ipv4 tlv");
    put_param(&p, &prm);
    prm.type = TERN_PARAM_ADAPTATION;
    prm.u.adaptation = 7;
    put_param(&p, &prm);
    begin(&w, buf, 0x55667788);
    tern_asconf_put(&w, TERN_CHUNK_ASCONF, 0x01000000, (tern_bytes){pbuf, p.len});
    emit(o, &w, "193");

    tern_wbuf_init(&c, cbuf, sizeof cbuf);
    tern_cause_put_bytes(&c, TERN_CAUSE_DELETE_LAST_ADDR, ipv4_tlv, sizeof ipv4_tlv);
    tern_wbuf_init(&p, pbuf, sizeof pbuf);
    memset(&prm, 0, sizeof prm);
    prm.type = TERN_PARAM_SUCCESS_IND;
    prm.u.success_ind.correlation_id = 1;
    put_param(&p, &prm);
    prm.type = TERN_PARAM_ERROR_CAUSE_IND;
    prm.u.error_ind.correlation_id = 3;
    prm.u.error_ind.causes = (tern_bytes){cbuf, c.len};
    put_param(&p, &prm);
    begin(&w, buf, 0x11223344);
    tern_asconf_put(&w, TERN_CHUNK_ASCONF_ACK, 0x01000000, (tern_bytes){pbuf, p.len});
    emit(o, &w, "128");
}

/* Proves the judge is not blind: these two frames must fail it. */
static void gen_sabotage(out *o, uint8_t *buf)
{
    tern_wbuf w;
    begin(&w, buf, 0x55667788);
    tern_empty_chunk_put(&w, TERN_CHUNK_COOKIE_ACK, 0);
    tern_packet_set_checksum(w.buf, w.len);
    w.buf[8] ^= 0x01;
    write_frame(o, w.buf, w.len, "11");

    begin(&w, buf, 0x55667788);
    tern_gap_block gap = {2, 3};
    tern_sack_put(&w, 100, 65536, &gap, 1, NULL, 0);
    w.buf[12 + 4 + 9] = 5; /* number of gap blocks: 5, but only one is there */
    tern_packet_set_checksum(w.buf, w.len);
    write_frame(o, w.buf, w.len, "3");
}

/* A datagram that is not SCTP, from the SCTP port (see --sync-to). */
static void gen_sync_datagram(out *o, uint16_t to_port)
{
    static const pcap_udp_end src = {{127, 0, 0, 1}, SCTP_UDP_PORT};
    const pcap_udp_end dst = {{127, 0, 0, 1}, to_port};
    static const char sync[] = "tern-sync-end";
    if (pcap_write_udp4(o->pcap, (uint32_t)o->frames, 0, &src, &dst, (const uint8_t *)sync,
                        sizeof sync - 1) != 0)
        die("sync datagram too long");
    o->frames++;
}

int main(int argc, char **argv)
{
    bool sabotage = argc > 1 && strcmp(argv[1], "--sabotage") == 0;
    long sync_to = 0;
    if (sabotage) {
        argv++;
        argc--;
    } else if (argc > 2 && strcmp(argv[1], "--sync-to") == 0) {
        sync_to = strtol(argv[2], NULL, 10);
        if (sync_to < 1 || sync_to > 65535) die("--sync-to: want a UDP port");
        argv += 2;
        argc -= 2;
    }
    if (argc < 3) {
        fprintf(stderr,
                "usage: gen_packets [--sabotage | --sync-to PORT] PCAP EXPECTED [CORPUS_DIR]\n");
        return 2;
    }
    out o = {fopen(argv[1], "wb"), fopen(argv[2], "w"), argc > 3 ? argv[3] : NULL, 0};
    if (!o.pcap || !o.expected) die("cannot open output files");
    pcap_write_header(o.pcap);

    static uint8_t buf[MAX_PKT];
    if (sabotage) {
        gen_sabotage(&o, buf);
        goto done;
    }
    gen_init(&o, buf);
    gen_data(&o, buf);
    gen_control(&o, buf);
    gen_causes(&o, buf);
    gen_reconfig(&o, buf);
    gen_asconf(&o, buf);
    if (sync_to) gen_sync_datagram(&o, (uint16_t)sync_to);
done:
    if (fclose(o.pcap) || fclose(o.expected)) die("write failed");
    printf("gen_packets: %d frames\n", o.frames);
    return 0;
}
