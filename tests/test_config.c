/* test_config.c - the option table: lists and ranges, defaults, overrides, messages,
 * the effective text parsing back to itself, and the grid built from a config. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "reluscape/config.h"
#include "reluscape/sweep.h"

static char err[RS_ERR_MAX];

static int parse(const char *text, int nset, char **sets, rs_config *cfg)
{
    return rs_config_parse(text, "t.ini", nset, sets, cfg, err, sizeof err);
}

static void test_lists(void)
{
    rs_config c;
    CHECK(parse("[grid]\nd0 = 1, 2,3 ; comment\nd1 = 30:300:30\nn = 10:12, 50\n", 0, NULL, &c) == 0, "%s", err);
    CHECK(c.d0.count == 3 && c.d0.v[2] == 3, "d0 list");
    CHECK(c.d1.count == 10 && c.d1.v[0] == 30 && c.d1.v[9] == 300, "inclusive range with step");
    CHECK(c.n.count == 4 && c.n.v[0] == 10 && c.n.v[2] == 12 && c.n.v[3] == 50, "range without step, then item");
    CHECK(c.trials == 100 && c.seed == 1 && c.bias == 1 && !strcmp(c.rank_method, "auto"), "defaults");
    rs_config_free(&c);

    CHECK(parse("[grid]\nd0_ratio = 0.25, 0.5, 1, 2\nd1 = 1:15\nn = 10:190:20\n", 0, NULL, &c) == 0, "%s", err);
    CHECK(c.d0_ratio.count == 4 && c.d0_ratio.v[3] == 2.0 && c.n.count == 10, "d0_ratio family");
    rs_config_free(&c);
}

static void test_errors(void)
{
    rs_config c;
    const struct { const char *text; const char *want; } bad[] = {
        {"[grid]\nd0 = 1\nd1 = 2\nn = 3\nfoo = 1\n", "t.ini:5: key 'grid.foo': unknown key"},
        {"[grid]\nd0 = 1\nd1 = 2\nn = 9:3\n", "t.ini:4: key 'grid.n': malformed range 9:3:1"},
        {"[grid]\nd0 = 1\nd1 = 2\nn = 3:9:0\n", "t.ini:4: key 'grid.n': malformed range 3:9:0"},
        {"[grid]\nd0 = 1\nd1 = 0\nn = 3\n", "t.ini:3: key 'grid.d1': value 0 out of range"},
        {"[grid]\nd0 = 1,1\nd1 = 2\nn = 3\n", "t.ini:2: key 'grid.d0': value 1 listed twice"},
        {"[grid]\nd0 = 1\nd1 = 2\nn = 0:2000000:1\n", "t.ini:4: key 'grid.n': value 0 out of range"},
        {"[grid]\nd0 = 1\nd1 = 2\nn = 999999:1000001\n", "t.ini:4: key 'grid.n': value 1000001 out of range"},
        {"[grid]\nd0 = 100001\nd1 = 2\nn = 3\n", "t.ini:2: key 'grid.d0': value 100001 out of range"},
        {"[grid]\nd0 = 1\nd1 = 2\nn = 3\n[pattern]\np = 1.5\n", "t.ini:6: key 'pattern.p': 1.5 out of range"},
        {"[grid]\nd0 = 1\nd1 = 2\nn = 3\n[data]\nbias = maybe\n", "t.ini:6: key 'data.bias': 'maybe' is not a boolean"},
        {"d0 = 1\n", "t.ini:1: key 'd0': key outside any [section]"},
        {"[grid\n", "t.ini:1: malformed section header"},
        {"[grid]\nd0 = 1\nd1 = 2\n", "t.ini: key 'grid.n': missing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse(bad[i].text, 0, NULL, &c);
        CHECK(rc == -1, "case %zu accepted", i);
        CHECK(strstr(err, bad[i].want) != NULL, "case %zu: got '%s', want '%s'", i, err, bad[i].want);
        if (rc == 0) rs_config_free(&c);
    }
}

static void test_overrides_and_roundtrip(void)
{
    rs_config c, d;
    char *sets[] = {"rank.method=qrcp", "grid.n = 4:8:2", "sweep.seed=18446744073709551615"};
    const char *text = "[grid]\nd0 = 1\nd1 = 3\nn = 100\n[pattern]\nsampler = region\n";
    CHECK(parse(text, 3, sets, &c) == 0, "%s", err);
    CHECK(!strcmp(c.rank_method, "qrcp") && c.n.count == 3 && c.n.v[2] == 8, "--set overrides");
    CHECK(c.seed == UINT64_MAX, "full 64-bit seed");
    char *eff = rs_config_effective_text(&c);
    CHECK(eff && strstr(eff, "[rank]\nmethod = qrcp\n"), "effective text has sections");
    CHECK(parse(eff, 0, NULL, &d) == 0, "effective text parses: %s", err);
    char *eff2 = rs_config_effective_text(&d);
    CHECK(eff2 && !strcmp(eff, eff2), "effective text is a fixed point");
    free(eff);
    free(eff2);
    rs_config_free(&c);
    rs_config_free(&d);
    char *bad[] = {"grid.n"};
    CHECK(parse(text, 1, bad, &c) == -1 && strstr(err, "--set grid.n: expected --set section.key=value"), "%s", err);
}

/* Long lists: a range of 4081 values and a 5000-item list on one line (longer than any
 * fixed buffer) keep every value, and the effective text (ranges written compactly: runs
 * of equal steps as a:b:step) parses back to the same lists.  Found by the config fuzzer:
 * the text of a long range used to exceed the line limit, and long lines were cut. */
static void test_long_lists(void)
{
    rs_config c, d;
    CHECK(parse("[grid]\nd0 = 1, 2, 3, 5, 9\nd1 = 2:4082\nn = 7\n", 0, NULL, &c) == 0, "%s", err);
    CHECK(c.d1.count == 4081 && c.d1.v[4080] == 4082, "range of 4081 values");
    char *eff = rs_config_effective_text(&c);
    CHECK(eff && strstr(eff, "\nd0 = 1:3,5,9\n") && strstr(eff, "\nd1 = 2:4082\n"), "compact ranges:\n%s", eff);
    CHECK(parse(eff, 0, NULL, &d) == 0 && d.d1.count == 4081 && d.d0.count == 5 && d.d0.v[4] == 9,
          "effective text parses back: %s", err);
    free(eff);
    rs_config_free(&c);
    rs_config_free(&d);
    size_t cap = 64 + 5000 * 8;
    char *text = malloc(cap);
    int len = snprintf(text, cap, "[grid]\nd0 = 1\nd1 = 3\nn = ");
    for (int i = 0; i < 5000; i++) len += snprintf(text + len, cap - len, "%s%d", i ? "," : "", 1 + 2 * i + (i % 7 == 0));
    CHECK(parse(text, 0, NULL, &c) == 0, "a 5000-item list: %s", err);
    CHECK(c.n.count == 5000 && c.n.v[4999] == 1 + 2 * 4999, "every item kept (got %d)", c.n.count);
    eff = rs_config_effective_text(&c);
    CHECK(parse(eff, 0, NULL, &d) == 0 && d.n.count == 5000 && !memcmp(d.n.v, c.n.v, 5000 * sizeof *c.n.v),
          "its effective text parses back to the same list: %s", err);
    free(eff);
    free(text);
    rs_config_free(&c);
    rs_config_free(&d);
}

static void test_grid(void)
{
    /* cell keys are injective over the config's ranges (n, d1 <= 10^6 < 2^20): the two
     * cells below differ only in how d1 and n share bits */
    CHECK(rs_cell_key(1, 2, 1) != rs_cell_key(1, 1, 524289), "cell keys (1,2,1) and (1,1,2^19+1) differ");
    CHECK(rs_cell_key(1, 1000000, 1000000) != rs_cell_key(2, 0, 0) && rs_cell_key(3, 5, 7) == rs_cell_key(3, 5, 7),
          "cell keys separate d0 from d1 and n, and depend on (d0, d1, n) only");
    rs_config c;
    rs_grid g;
    CHECK(parse("[grid]\nd0_ratio = 0.1, 0.25\nd1 = 2, 5\nn = 10, 30\n", 0, NULL, &c) == 0, "%s", err);
    CHECK(rs_grid_build(&c, "t.ini", &g, err, sizeof err) == 0, "%s", err);
    CHECK(g.ncells == 8 && g.max_n == 30 && g.ratio_axis, "grid shape");
    /* index (i0 * n1 + i1) * nn + in: r = 0.1, d1 = 5, n = 30 -> d0 = ceil(3.0000000000000004) = 3 */
    const rs_cell *cell = &g.cells[(0 * 2 + 1) * 2 + 1];
    CHECK(cell->d0 == 3 && cell->d1 == 5 && cell->n == 30 && cell->p == 4, "d0 = ceil(r n) without rounding up "
          "binary noise: d0 = %d", cell->d0);
    cell = &g.cells[(1 * 2 + 0) * 2 + 0];
    CHECK(cell->d0 == 3 && cell->n == 10, "ceil(0.25 * 10) = 3, got %d", cell->d0);
    CHECK(rs_cell_key(3, 5, 30) != rs_cell_key(3, 30, 5) && rs_cell_key(1, 2, 3) == rs_cell_key(1, 2, 3),
          "cell keys depend on (d0, d1, n) only");
    rs_grid_free(&g);
    rs_config_free(&c);
}

int main(void)
{
    test_long_lists();
    test_lists();
    test_errors();
    test_overrides_and_roundtrip();
    test_grid();
    return check_done("test_config");
}
