/* jpos.c -- a small JSON scanner that records the position of every value
 * and key by path. It trusts its input to be valid JSON. */
#include "jpos.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct scan {
    const char *p;
    int line, col;
    jpos_index *idx;
} scan;

static void add(jpos_index *idx, const char *path, int line, int col)
{
    if (idx->n == idx->cap) {
        idx->cap = idx->cap ? idx->cap * 2 : 64;
        idx->e = sb_xrealloc(idx->e, idx->cap * sizeof(jpos_entry));
    }
    idx->e[idx->n++] = (jpos_entry){sb_xstrdup(path), line, col};
}

static void advance(scan *s)
{
    if (*s->p == '\n') {
        s->line++;
        s->col = 1;
    } else if ((*s->p & 0xC0) != 0x80) {
        s->col++; /* count characters, not UTF-8 continuation bytes */
    }
    s->p++;
}

static void skip_ws(scan *s)
{
    while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
        advance(s);
}

/* Reads a string literal; its (simply unescaped) text goes to out. */
static void read_string(scan *s, char *out, size_t len)
{
    size_t k = 0;
    advance(s); /* opening quote */
    while (*s->p && *s->p != '"') {
        char c = *s->p;
        if (c == '\\') {
            advance(s);
            c = *s->p == 'n' ? '\n' : *s->p == 't' ? '\t' : *s->p;
            if (*s->p == 'u') {
                for (int i = 0; i < 4 && s->p[1]; i++)
                    advance(s);
                c = '?';
            }
        }
        if (k + 1 < len)
            out[k++] = c;
        advance(s);
    }
    if (*s->p)
        advance(s);
    out[k] = '\0';
}

static void scan_value(scan *s, const char *path)
{
    skip_ws(s);
    add(s->idx, path, s->line, s->col);
    char child[1024], key[256];
    if (*s->p == '{') {
        advance(s);
        for (;;) {
            skip_ws(s);
            if (*s->p == '}' || !*s->p)
                break;
            int kl = s->line, kc = s->col;
            read_string(s, key, sizeof(key));
            snprintf(child, sizeof(child), "%s/%s#", path, key);
            add(s->idx, child, kl, kc);
            child[strlen(child) - 1] = '\0';
            skip_ws(s);
            if (*s->p == ':')
                advance(s);
            scan_value(s, child);
            skip_ws(s);
            if (*s->p == ',')
                advance(s);
        }
        if (*s->p)
            advance(s);
    } else if (*s->p == '[') {
        advance(s);
        for (int i = 0;; i++) {
            skip_ws(s);
            if (*s->p == ']' || !*s->p)
                break;
            snprintf(child, sizeof(child), "%s/%d", path, i);
            scan_value(s, child);
            skip_ws(s);
            if (*s->p == ',')
                advance(s);
        }
        if (*s->p)
            advance(s);
    } else if (*s->p == '"') {
        read_string(s, key, sizeof(key));
    } else {
        while (*s->p && !strchr(",]} \t\r\n", *s->p))
            advance(s);
    }
}

void jpos_build(jpos_index *idx, const char *text)
{
    memset(idx, 0, sizeof(*idx));
    scan s = {.p = text, .line = 1, .col = 1, .idx = idx};
    scan_value(&s, "");
}

void jpos_free(jpos_index *idx)
{
    for (size_t i = 0; i < idx->n; i++)
        free(idx->e[i].path);
    free(idx->e);
    memset(idx, 0, sizeof(*idx));
}

void jpos_find(const jpos_index *idx, const char *path, int key, int *line, int *col)
{
    char want[1100];
    snprintf(want, sizeof(want), "%s%s", path, key ? "#" : "");
    for (;;) {
        for (size_t i = 0; i < idx->n; i++)
            if (strcmp(idx->e[i].path, want) == 0) {
                *line = idx->e[i].line;
                *col = idx->e[i].col;
                return;
            }
        /* not found: try the enclosing value */
        char *hash = strchr(want, '#');
        if (hash) {
            *hash = '\0';
            continue;
        }
        char *slash = strrchr(want, '/');
        if (!slash) {
            *line = 1;
            *col = 1;
            return;
        }
        *slash = '\0';
    }
}
