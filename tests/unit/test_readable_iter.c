/* The readable list as the socket API walks it: tern_ep_readable_after()
 * and tern_ep_assoc_readable() (core/data.c). One endpoint A with three
 * associations (peers B0..B2 on their own ports), packets moved by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <tern/core.h>

#define NB 3

typedef struct rig {
    tern_ep *a, *b[NB];
    tern_assoc_id ida[NB]; /* A's association with B[i] */
    tern_assoc_id idb[NB]; /* B[i]'s */
    tern_time now;
} rig;

static tern_addr v4(uint8_t last)
{
    tern_addr x = {.family = TERN_AF_INET, .ip = {10, 0, 0, last}};
    return x;
}

static tern_ep *mk_ep(uint16_t port)
{
    tern_ep_config c;
    tern_ep_config_default(&c);
    c.port = port;
    c.hb_interval = 0;
    c.nodelay = true;
    tern_ep *ep = NULL;
    assert_int_equal(tern_ep_new(&c, &ep), 0);
    return ep;
}

/* Moves packets until nobody has anything to send (bounded). */
static void pump(rig *r)
{
    uint8_t buf[2048];
    for (int round = 0; round < 100; round++) {
        bool moved = false;
        tern_path p;
        long n;
        while ((n = tern_ep_output(r->a, &p, buf, sizeof buf, r->now)) > 0) {
            int i = p.remote.ip[3] - 2;
            assert_true(i >= 0 && i < NB);
            tern_path in = {.local = v4((uint8_t)(2 + i)), .remote = v4(1)};
            tern_ep_input(r->b[i], &in, buf, (size_t)n, r->now);
            moved = true;
        }
        for (int i = 0; i < NB; i++)
            while ((n = tern_ep_output(r->b[i], &p, buf, sizeof buf, r->now)) > 0) {
                tern_path in = {.local = v4(1), .remote = v4((uint8_t)(2 + i))};
                tern_ep_input(r->a, &in, buf, (size_t)n, r->now);
                moved = true;
            }
        if (!moved) return;
    }
    fail_msg("pump did not settle");
}

static int setup(void **state)
{
    static rig r;
    memset(&r, 0, sizeof r);
    r.now = TERN_SEC(1);
    r.a = mk_ep(5000);
    for (int i = 0; i < NB; i++) {
        r.b[i] = mk_ep((uint16_t)(5001 + i));
        tern_path p = {.local = v4((uint8_t)(2 + i)), .remote = v4(1)};
        assert_int_equal(tern_ep_connect(r.b[i], &p, 5000, r.now, &r.idb[i]), 0);
        pump(&r);
        tern_event ev;
        int up = 0;
        while (tern_ep_poll_event(r.a, &ev))
            if (ev.type == TERN_EV_COMM_UP) {
                r.ida[i] = ev.assoc;
                up++;
            }
        assert_int_equal(up, 1);
    }
    *state = &r;
    return 0;
}

static int teardown(void **state)
{
    rig *r = *state;
    tern_ep_free(r->a);
    for (int i = 0; i < NB; i++)
        tern_ep_free(r->b[i]);
    return 0;
}

static void send_from(rig *r, int i, size_t len)
{
    uint8_t msg[256];
    memset(msg, 'a' + i, sizeof msg);
    tern_sndinfo si = {.stream = 0, .ppid = 7};
    assert_int_equal(tern_ep_send(r->b[i], r->idb[i], &si, msg, len, r->now), 0);
    pump(r);
}

/* Nothing to read: the list is empty; unknown ids and NULL give 0 / false. */
static void empty_list_and_bad_arguments(void **state)
{
    rig *r = *state;
    assert_int_equal(tern_ep_readable_after(r->a, 0), 0);
    for (int i = 0; i < NB; i++) {
        assert_false(tern_ep_assoc_readable(r->a, r->ida[i]));
        assert_int_equal(tern_ep_readable_after(r->a, r->ida[i]), 0);
    }
    assert_int_equal(tern_ep_readable_after(NULL, 0), 0);
    assert_false(tern_ep_assoc_readable(NULL, r->ida[0]));
    assert_false(tern_ep_assoc_readable(r->a, 0));
    assert_false(tern_ep_assoc_readable(r->a, 0xdeadbeef));
    assert_int_equal(tern_ep_readable_after(r->a, 0xdeadbeef), 0);
}

/* Associations appear in the order their messages became ready, and leave
 * the list once everything of theirs was read (a partly read message keeps
 * its association on the list). */
static void iterates_in_arrival_order_and_follows_reads(void **state)
{
    rig *r = *state;
    send_from(r, 2, 100);
    send_from(r, 0, 100);
    send_from(r, 1, 100);
    assert_int_equal(tern_ep_readable_after(r->a, 0), r->ida[2]);
    assert_int_equal(tern_ep_readable_after(r->a, r->ida[2]), r->ida[0]);
    assert_int_equal(tern_ep_readable_after(r->a, r->ida[0]), r->ida[1]);
    assert_int_equal(tern_ep_readable_after(r->a, r->ida[1]), 0);
    for (int i = 0; i < NB; i++)
        assert_true(tern_ep_assoc_readable(r->a, r->ida[i]));

    uint8_t buf[256];
    tern_rcvinfo ri;
    /* The head (B2) whole: it leaves; B0 is first now. */
    assert_int_equal(tern_ep_recv(r->a, &ri, buf, sizeof buf, r->now), 100);
    assert_int_equal(ri.assoc, r->ida[2]);
    assert_false(tern_ep_assoc_readable(r->a, r->ida[2]));
    assert_int_equal(tern_ep_readable_after(r->a, r->ida[2]), 0);
    assert_int_equal(tern_ep_readable_after(r->a, 0), r->ida[0]);
    /* B0 in two reads: still readable in between. */
    assert_int_equal(tern_ep_recv(r->a, &ri, buf, 10, r->now), 10);
    assert_int_equal(ri.assoc, r->ida[0]);
    assert_true(tern_ep_assoc_readable(r->a, r->ida[0]));
    assert_int_equal(tern_ep_readable_after(r->a, r->ida[0]), r->ida[1]);
    assert_int_equal(tern_ep_recv(r->a, &ri, buf, sizeof buf, r->now), 90);
    assert_false(tern_ep_assoc_readable(r->a, r->ida[0]));
    assert_int_equal(tern_ep_readable_after(r->a, 0), r->ida[1]);
    /* B2 again: it goes to the end. */
    send_from(r, 2, 50);
    assert_int_equal(tern_ep_readable_after(r->a, r->ida[1]), r->ida[2]);
    assert_int_equal(tern_ep_readable_after(r->a, r->ida[2]), 0);
    while (tern_ep_recv(r->a, &ri, buf, sizeof buf, r->now) > 0)
        ;
    assert_int_equal(tern_ep_readable_after(r->a, 0), 0);
}

/* An association that ends leaves the list with its unread messages. */
static void ended_association_leaves_the_list(void **state)
{
    rig *r = *state;
    send_from(r, 0, 100);
    send_from(r, 1, 100);
    assert_int_equal(tern_ep_abort(r->a, r->ida[0], NULL, 0, r->now), 0);
    assert_false(tern_ep_assoc_readable(r->a, r->ida[0]));
    assert_int_equal(tern_ep_readable_after(r->a, 0), r->ida[1]);
    assert_int_equal(tern_ep_readable_after(r->a, r->ida[1]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(empty_list_and_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(iterates_in_arrival_order_and_follows_reads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ended_association_leaves_the_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
