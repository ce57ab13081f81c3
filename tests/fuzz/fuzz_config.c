/* fuzz_config.c - libFuzzer target: the config parser (rs_config_parse) on any bytes, with
 * and without --set overrides.  Every input must parse or be refused with a message;
 * a parsed config must print an effective text that parses again to the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reluscape/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), err[RS_ERR_MAX];
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* the last line (if it holds '=' and no newline) doubles as a --set override */
    char *last = strrchr(text, '\n'), *set[1] = {last ? last + 1 : text};
    rs_config cfg;
    for (int nset = 0; nset < 2; nset++) {
        if (rs_config_parse(text, "fuzz.ini", nset, set, &cfg, err, sizeof err) == 0) {
            char *eff = rs_config_effective_text(&cfg), *again_text = NULL;
            rs_config again;
            if (eff && rs_config_parse(eff, "effective", 0, NULL, &again, err, sizeof err) == 0) {
                again_text = rs_config_effective_text(&again);
                if (!again_text || strcmp(eff, again_text)) abort(); /* the text must round-trip */
                rs_config_free(&again);
            } else if (eff) {
                abort(); /* a parsed config's own text must parse */
            }
            free(again_text);
            free(eff);
            rs_config_free(&cfg);
        } else if (!err[0]) {
            abort(); /* a refusal says why */
        }
    }
    free(text);
    return 0;
}
