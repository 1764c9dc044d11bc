/*
** snippet.c — snippets of stored text around a query's matches (snippet.h).
**
** One pass over the text splits it into words, matches each against the
** query's words and stems, and keeps a sliding window (at most `length`
** bytes from the first match in it to the end of the last) with the most
** distinct query words, then the most matches.  The pass stops early once
** a window holds every query word and the text has moved
** SNIPPET_LOOKAHEAD window lengths past it.  The chosen matches are then widened to about `length`
** bytes, cut at word boundaries, escaped and marked.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gz_err.h"
#include "snippet.h"

/*
** Once a window holds every query word, the text is read on for this many
** window lengths past it for a denser one, then no further.
*/
#define SNIPPET_LOOKAHEAD 2

/* What a key matches. */
enum { KEY_WORD, KEY_STEM, KEY_PREFIX };

/* One query term: a lower-cased word, a stem (from "Zstem") or a prefix. */
struct snippet_key {
	char *s;    /* the bytes, NUL-terminated, owned */
	size_t len; /* their length */
	int stem;   /* KEY_WORD, KEY_STEM or KEY_PREFIX */
};

struct snippet_terms {
	struct snippet_key *keys; /* n of them, owned */
	size_t n, cap;
	int has_stems;    /* some key is a stem */
	int has_prefixes; /* some key is a prefix */
};

/* One remembered stem. */
struct snippet_centry {
	uint32_t hash; /* of the word; 0 = empty slot */
	char *word;    /* word, NUL, stem, NUL (one allocation) */
	size_t wlen;   /* bytes of word */
	size_t slen;   /* bytes of stem; (size_t)-1 when it has none */
};

struct snippet_cache {
	struct snippet_centry slots[SNIPPET_CACHE_SLOTS]; /* open addressing */
	size_t used;                                      /* slots filled */
};

/* One match in the text. */
struct snippet_match {
	size_t start, end; /* bytes [start, end) */
	int group;         /* query word it matches (index into groups) */
};

/* A growing output string. */
struct snippet_out {
	char *p;
	size_t len, cap;
	int failed;
};

/* ------------------------------------------------------------ terms */

int snippet_terms_new(struct snippet_terms **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? GZ_OK : GZ_ENOMEM;
}

size_t snippet_terms_count(const struct snippet_terms *t)
{
	return t ? t->n : 0;
}

void snippet_terms_free(struct snippet_terms *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->keys[i].s);
	free(t->keys);
	free(t);
}

/* Keep key (len bytes) of kind stem in t unless it is there (GZ_ENOMEM). */
static int snippet_key_add(struct snippet_terms *t, const char *term,
			   size_t len, int stem)
{
	struct snippet_key *k;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->keys[i].stem == stem && t->keys[i].len == len &&
		    memcmp(t->keys[i].s, term, len) == 0)
			return GZ_OK;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct snippet_key *nk = realloc(t->keys, cap * sizeof *nk);

		if (!nk)
			return GZ_ENOMEM;
		t->keys = nk;
		t->cap = cap;
	}
	k = &t->keys[t->n];
	k->s = malloc(len + 1);
	if (!k->s)
		return GZ_ENOMEM;
	memcpy(k->s, term, len);
	k->s[len] = '\0';
	k->len = len;
	k->stem = stem;
	t->n++;
	if (stem == KEY_STEM)
		t->has_stems = 1;
	if (stem == KEY_PREFIX)
		t->has_prefixes = 1;
	return GZ_OK;
}

/* Add "word" or "Zstem"; ignore other prefixes and repeats (snippet.h). */
int snippet_terms_add(struct snippet_terms *t, const char *term, size_t len)
{
	int stem = KEY_WORD;

	if (!t || !term || len == 0)
		return GZ_OK;
	if (term[0] == 'Z') {
		term++;
		len--;
		stem = KEY_STEM;
	}
	/* Xapian's prefixes are capital ASCII letters: a field's term. */
	if (len == 0 || len > SNIPPET_MAX_WORD ||
	    (term[0] >= 'A' && term[0] <= 'Z'))
		return GZ_OK;
	return snippet_key_add(t, term, len, stem);
}

/* A wildcard's word prefix, matched by words starting with it (snippet.h). */
int snippet_terms_add_prefix(struct snippet_terms *t, const char *prefix,
			     size_t len)
{
	if (!t || !prefix || len == 0 || len > SNIPPET_MAX_WORD)
		return GZ_OK;
	return snippet_key_add(t, prefix, len, KEY_PREFIX);
}

/* The first prefix key that the word w (len bytes) starts with, or -1. */
static int snippet_find_prefix(const struct snippet_terms *t, const char *w,
			       size_t len)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->keys[i].stem == KEY_PREFIX && t->keys[i].len <= len &&
		    memcmp(t->keys[i].s, w, t->keys[i].len) == 0)
			return (int)i;
	return -1;
}

/* The key of kind stem equal to w (len bytes), or -1. */
static int snippet_find(const struct snippet_terms *t, const char *w,
			size_t len, int stem)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->keys[i].stem == stem && t->keys[i].len == len &&
		    t->keys[i].s[0] == w[0] &&
		    memcmp(t->keys[i].s, w, len) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------ cache */

int snippet_cache_new(struct snippet_cache **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? GZ_OK : GZ_ENOMEM;
}

/* Forget every entry. */
static void snippet_cache_clear(struct snippet_cache *c)
{
	size_t i;

	for (i = 0; i < SNIPPET_CACHE_SLOTS; i++) {
		free(c->slots[i].word);
		c->slots[i].word = NULL;
		c->slots[i].hash = 0;
	}
	c->used = 0;
}

void snippet_cache_free(struct snippet_cache *c)
{
	if (!c)
		return;
	snippet_cache_clear(c);
	free(c);
}

/* FNV-1a of len bytes, never 0. */
static uint32_t snippet_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h ? h : 1;
}

/*
** The stem of the lower-cased word w (len bytes): a pointer into the cache
** or into buf (size n), its length in *slen.  NULL when it has none.
*/
static const char *snippet_stem(const struct snippet_lang *lang,
				struct snippet_cache *c, const char *w,
				size_t len, char *buf, size_t n, size_t *slen)
{
	uint32_t h;
	size_t i, probes;
	long r;

	if (!lang || !lang->stem)
		return NULL;
	if (!c) {
		r = lang->stem(lang->ctx, w, len, buf, n);
		if (r < 0)
			return NULL;
		*slen = (size_t)r;
		return buf;
	}
	h = snippet_hash(w, len);
	i = h & (SNIPPET_CACHE_SLOTS - 1);
	for (probes = 0; probes < SNIPPET_CACHE_SLOTS; probes++) {
		struct snippet_centry *e = &c->slots[i];

		if (e->hash == 0)
			break;
		if (e->hash == h && e->wlen == len &&
		    memcmp(e->word, w, len) == 0) {
			if (e->slen == (size_t)-1)
				return NULL;
			*slen = e->slen;
			return e->word + len + 1;
		}
		i = (i + 1) & (SNIPPET_CACHE_SLOTS - 1);
	}
	r = lang->stem(lang->ctx, w, len, buf, n);
	if (c->used >= SNIPPET_CACHE_SLOTS / 4 * 3) {
		snippet_cache_clear(c);
		i = h & (SNIPPET_CACHE_SLOTS - 1);
	}
	{
		struct snippet_centry *e = &c->slots[i];
		size_t sl = r < 0 ? 0 : (size_t)r;
		char *m = malloc(len + sl + 2);

		if (m) {
			memcpy(m, w, len);
			m[len] = '\0';
			memcpy(m + len + 1, buf, sl);
			m[len + 1 + sl] = '\0';
			e->hash = h;
			e->word = m;
			e->wlen = len;
			e->slen = r < 0 ? (size_t)-1 : sl;
			c->used++;
		}
	}
	if (r < 0)
		return NULL;
	*slen = (size_t)r;
	return buf;
}

/* ------------------------------------------------------------ text */

/*
** The code point at text[i] (of len bytes) into *cp, its byte length
** returned (1 for an invalid byte, read as U+FFFD).
*/
static size_t snippet_cp(const char *text, size_t len, size_t i, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)text + i;
	size_t left = len - i, n, k;
	uint32_t c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (left < n) {
		*cp = 0xfffd;
		return 1;
	}
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (s[k] & 0x3f);
	}
	*cp = c;
	return n;
}

/* True for a character written without spaces between words (CJK). */
static int snippet_is_cjk(uint32_t c)
{
	return (c >= 0x2e80 && c <= 0x2fdf) || (c >= 0x3040 && c <= 0x30ff) ||
		(c >= 0x3100 && c <= 0x31ff) || (c >= 0x3400 && c <= 0x4dbf) ||
		(c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa960 && c <= 0xa97f) ||
		(c >= 0xac00 && c <= 0xd7ff) || (c >= 0xf900 && c <= 0xfaff) ||
		(c >= 0xff66 && c <= 0xffdc) || (c >= 0x20000 && c <= 0x2ffff);
}

/* Letters, digits and "_": the ASCII characters of words. */
static int snippet_ascii_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}

/* True for a character that is part of a word (not CJK). */
static int snippet_is_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '_';
	if (c <= 0xbf)
		return c == 0xaa || c == 0xb2 || c == 0xb3 || c == 0xb5 ||
			c == 0xb9 || c == 0xba || (c >= 0xbc && c <= 0xbe);
	if (c == 0xd7 || c == 0xf7 || c == 0xfffd)
		return 0;
	if (c >= 0x2000 && c <= 0x2bff) /* punctuation, symbols, arrows */
		return (c >= 0x2070 && c <= 0x209f) ||
			(c >= 0x2150 &&
			 c <= 0x218f);  /* sub/superscripts, numerals */
	if (c >= 0x2e00 && c <= 0x2e7f) /* supplemental punctuation */
		return 0;
	if (c >= 0x3000 && c <= 0x303f) /* CJK punctuation */
		return 0;
	if ((c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xfe50 && c <= 0xfe6f))
		return 0;
	if ((c >= 0xff00 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff20) ||
	    (c >= 0xff3b && c <= 0xff40) || (c >= 0xff5b && c <= 0xff65))
		return 0;
	if (c >= 0x1f000 && c <= 0x1faff) /* emoji and pictographs */
		return 0;
	return 1;
}

/* ASCII white space. */
static int snippet_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		c == '\v';
}

/*
** The end of the word starting at i (a word character): letters and
** digits, with infixes kept as Xapian keeps them.  *ascii is cleared when
** the word holds a non-ASCII byte, *curly set when it holds U+2019.
*/
static size_t snippet_word_end(const char *text, size_t len, size_t i,
			       int *ascii, int *curly)
{
	uint32_t c, prev = 0, next;
	size_t n, m;

	*ascii = 1;
	*curly = 0;
	while (i < len) {
		/* The common case: a run of ASCII letters and digits. */
		if (snippet_ascii_word((unsigned char)text[i])) {
			prev = (unsigned char)text[i++];
			continue;
		}
		n = snippet_cp(text, len, i, &c);
		if (snippet_is_word(c) && !snippet_is_cjk(c)) {
			if (c >= 0x80)
				*ascii = 0;
			prev = c;
			i += n;
			continue;
		}
		if (i + n >= len)
			break;
		m = snippet_cp(text, len, i + n, &next);
		(void)m;
		if (!snippet_is_word(next) || snippet_is_cjk(next))
			break;
		if (c == '\'' || c == 0x2019 || c == '&' || c == 0xb7) {
			/* an infix between word characters */
		} else if ((c == '.' || c == ',') && prev >= '0' &&
			   prev <= '9' && next >= '0' && next <= '9') {
			/* 3.5, 1,000 */
		} else {
			break;
		}
		if (c == 0x2019)
			*curly = 1;
		else if (c >= 0x80)
			*ascii = 0;
		i += n;
	}
	return i;
}

/*
** Lower-case the word text[s, e) into buf (size n): ASCII by hand (U+2019
** read as an apostrophe), the rest through lang.  Its length, or -1.
*/
static long snippet_fold(const char *text, size_t s, size_t e, int ascii,
			 int curly, const struct snippet_lang *lang, char *buf,
			 size_t n)
{
	size_t i, o = 0;

	if (e - s >= n || e - s > SNIPPET_MAX_WORD)
		return -1;
	if (!ascii && !curly) {
		if (!lang || !lang->lower)
			return -1;
		return lang->lower(lang->ctx, text + s, e - s, buf, n);
	}
	for (i = s; i < e; i++) {
		unsigned char c = (unsigned char)text[i];

		if (curly && c == 0xe2 && i + 2 < e &&
		    (unsigned char)text[i + 1] == 0x80 &&
		    (unsigned char)text[i + 2] == 0x99) {
			buf[o++] = '\'';
			i += 2;
			continue;
		}
		buf[o++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	buf[o] = '\0';
	if (!ascii) {
		char tmp[SNIPPET_MAX_WORD * 4 + 8];

		if (!lang || !lang->lower || o >= sizeof tmp)
			return -1;
		memcpy(tmp, buf, o + 1);
		return lang->lower(lang->ctx, tmp, o, buf, n);
	}
	return (long)o;
}

/* ------------------------------------------------------------ output */

/* Append n bytes. */
static void out_put(struct snippet_out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = (o->cap ? o->cap : 256);
		char *p;

		while (cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p) {
			o->failed = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* Append text[s, e) HTML-escaped (&, <, >). */
static void out_text(struct snippet_out *o, const char *text, size_t s,
		     size_t e)
{
	size_t run = s;

	while (s < e) {
		unsigned char c = (unsigned char)text[s];
		const char *rep = NULL;

		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		if (!rep) {
			s++;
			continue;
		}
		out_put(o, text + run, s - run);
		out_put(o, rep, strlen(rep));
		s++;
		run = s;
	}
	out_put(o, text + run, e - run);
}

/* ------------------------------------------------------------ snippet */

/* The best window so far and the sliding one. */
struct snippet_win {
	struct snippet_match *m; /* matches found, in text order */
	size_t n, cap;
	int *count;            /* matches of each group in the window */
	size_t first;          /* index of the window's first match */
	unsigned distinct;     /* groups present in the window */
	size_t best_i, best_j; /* best window: matches [best_i, best_j] */
	unsigned best_d;       /* its distinct groups */
	size_t best_n;         /* its matches */
	int have;              /* a best window exists */
};

/* Record a match [s, e) of group g and slide the window; -1 on ENOMEM. */
static int win_add(struct snippet_win *w, size_t s, size_t e, int g,
		   size_t length)
{
	size_t j;

	/* Adjacent CJK characters of one bigram: extend the last match. */
	if (w->n > 0 && w->m[w->n - 1].end == s && w->m[w->n - 1].group == g) {
		w->m[w->n - 1].end = e;
		j = w->n - 1;
	} else {
		if (w->n == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 32;
			struct snippet_match *nm =
				realloc(w->m, cap * sizeof *nm);

			if (!nm)
				return -1;
			w->m = nm;
			w->cap = cap;
		}
		w->m[w->n].start = s;
		w->m[w->n].end = e;
		w->m[w->n].group = g;
		j = w->n++;
		if (w->count[g]++ == 0)
			w->distinct++;
	}
	while (w->first < j && e - w->m[w->first].start > length) {
		if (--w->count[w->m[w->first].group] == 0)
			w->distinct--;
		w->first++;
	}
	if (!w->have || w->distinct > w->best_d ||
	    (w->distinct == w->best_d && j - w->first + 1 > w->best_n)) {
		w->have = 1;
		w->best_i = w->first;
		w->best_j = j;
		w->best_d = w->distinct;
		w->best_n = j - w->first + 1;
	}
	return 0;
}

/*
** The group of each key: a word whose stem is also a stem key is the same
** query word as that key.  groups[] has t->n entries.
*/
static void snippet_groups(const struct snippet_terms *t,
			   const struct snippet_lang *lang,
			   struct snippet_cache *c, int *groups)
{
	char buf[SNIPPET_MAX_WORD * 4 + 8];
	size_t i, slen;
	const char *st;
	int k;

	for (i = 0; i < t->n; i++) {
		groups[i] = (int)i;
		if (t->keys[i].stem || !t->has_stems)
			continue;
		st = snippet_stem(lang, c, t->keys[i].s, t->keys[i].len, buf,
				  sizeof buf, &slen);
		if (st && slen > 0 && (k = snippet_find(t, st, slen, 1)) >= 0)
			groups[i] = k;
	}
}

/* Move s forward to the start of a word, not past limit. */
static size_t snap_start(const char *text, size_t len, size_t s, size_t limit)
{
	uint32_t c, p;
	size_t i, n;

	while (s < limit && ((unsigned char)text[s] & 0xc0) == 0x80)
		s++;
	if (s == 0 || s >= limit)
		return s;
	/* Inside a word: skip to its end. */
	i = s;
	while (i > 0 && ((unsigned char)text[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0) {
		size_t b = i - 1;

		while (b > 0 && ((unsigned char)text[b] & 0xc0) == 0x80)
			b--;
		snippet_cp(text, len, b, &p);
		snippet_cp(text, len, s, &c);
		if (snippet_is_word(p) && snippet_is_word(c) &&
		    !snippet_is_cjk(c))
			while (s < limit) {
				n = snippet_cp(text, len, s, &c);
				if (!snippet_is_word(c) || snippet_is_cjk(c))
					break;
				s += n;
			}
	}
	/* Then to the next word. */
	while (s < limit) {
		n = snippet_cp(text, len, s, &c);
		if (snippet_is_word(c))
			break;
		s += n;
	}
	return s;
}

/* Move e back to the end of a word, not before limit. */
static size_t snap_end(const char *text, size_t len, size_t e, size_t limit)
{
	uint32_t c, p;
	size_t b;

	while (e > limit && e < len && ((unsigned char)text[e] & 0xc0) == 0x80)
		e--;
	if (e >= len || e <= limit)
		return e;
	snippet_cp(text, len, e, &c);
	b = e - 1;
	while (b > 0 && ((unsigned char)text[b] & 0xc0) == 0x80)
		b--;
	snippet_cp(text, len, b, &p);
	/* "3,5" and "don't" are one word: cut before them. */
	if ((p == ',' || p == '.' || p == '\'' || p == '&') && b > limit &&
	    snippet_is_word(c) && !snippet_is_cjk(c)) {
		e = b;
		b = e - 1;
		while (b > 0 && ((unsigned char)text[b] & 0xc0) == 0x80)
			b--;
		snippet_cp(text, len, b, &p);
	}
	if (snippet_is_word(p) && snippet_is_word(c) && !snippet_is_cjk(c) &&
	    !snippet_is_cjk(p)) {
		/* Inside a word: back to its start. */
		while (e > limit) {
			b = e - 1;
			while (b > 0 && ((unsigned char)text[b] & 0xc0) == 0x80)
				b--;
			snippet_cp(text, len, b, &p);
			if (!snippet_is_word(p) || snippet_is_cjk(p))
				break;
			e = b;
		}
	}
	while (e > limit && snippet_space((unsigned char)text[e - 1]))
		e--;
	return e;
}

/* Make the snippet (snippet.h). */
int snippet_make(const struct snippet_terms *t, const char *text, size_t len,
		 size_t length, const struct snippet_lang *lang,
		 struct snippet_cache *cache, int flags, char **out)
{
	struct snippet_win w;
	struct snippet_out o = { NULL, 0, 0, 0 };
	char buf[SNIPPET_MAX_WORD * 4 + 8], buf2[SNIPPET_MAX_WORD * 4 + 8];
	unsigned char initials[256 / 8];
	int *groups = NULL;
	size_t i = 0, ngroups = 0, k, start, end, ws, we, slack, mi;
	int rc = GZ_OK;

	if (!out)
		return GZ_EINVAL;
	*out = NULL;
	if (!t || (!text && len > 0))
		return GZ_EINVAL;
	if (length == 0)
		length = 1;
	memset(&w, 0, sizeof w);
	if (t->n > 0) {
		groups = malloc(t->n * sizeof *groups);
		w.count = calloc(t->n, sizeof *w.count);
		if (!groups || !w.count) {
			rc = GZ_ENOMEM;
			goto done;
		}
		snippet_groups(t, lang, cache, groups);
		for (k = 0; k < t->n; k++)
			if (groups[k] == (int)k)
				ngroups++;
	}

	/* The first bytes of the stem keys, to skip stemming other words. */
	memset(initials, 0, sizeof initials);
	for (k = 0; k < t->n; k++)
		if (t->keys[k].stem == KEY_STEM) {
			unsigned char b = (unsigned char)t->keys[k].s[0];

			initials[b >> 3] |= (unsigned char)(1u << (b & 7));
		}

	/* Find the matches, sliding the window over them. */
	while (t->n > 0 && i < len) {
		uint32_t c;
		size_t n, e, slen;
		int ascii, curly, key = -1;
		long fl;

		if ((unsigned char)text[i] < 0x80 &&
		    !snippet_ascii_word((unsigned char)text[i])) {
			i++;
			continue;
		}
		n = snippet_cp(text, len, i, &c);
		if (!snippet_is_word(c)) {
			i += n;
			continue;
		}
		if (w.have && w.best_d == ngroups &&
		    i > w.m[w.best_i].start + SNIPPET_LOOKAHEAD * length)
			break; /* every query word in one window: done */
		if (snippet_is_cjk(c)) {
			uint32_t c2;
			size_t n2;

			e = i + n;
			key = snippet_find(t, text + i, n, 0);
			if (e < len) {
				n2 = snippet_cp(text, len, e, &c2);
				if (snippet_is_cjk(c2)) {
					int bk = snippet_find(t, text + i,
							      n + n2, 0);

					if (bk >= 0) {
						if (win_add(&w, i, e + n2,
							    groups[bk],
							    length) < 0) {
							rc = GZ_ENOMEM;
							goto done;
						}
						i = e + n2;
						continue;
					}
				}
			}
			if (key >= 0 &&
			    win_add(&w, i, e, groups[key], length) < 0) {
				rc = GZ_ENOMEM;
				goto done;
			}
			i = e;
			continue;
		}
		e = snippet_word_end(text, len, i, &ascii, &curly);
		fl = snippet_fold(text, i, e, ascii, curly, lang, buf,
				  sizeof buf);
		if (fl > 0) {
			unsigned char b0 = (unsigned char)buf[0];

			key = snippet_find(t, buf, (size_t)fl, 0);
			if (key < 0 && t->has_stems &&
			    (!lang || !lang->keeps_initial || b0 >= 0x80 ||
			     (initials[b0 >> 3] & (1u << (b0 & 7))))) {
				const char *st = snippet_stem(
					lang, cache, buf, (size_t)fl, buf2,
					sizeof buf2, &slen);

				if (st && slen > 0)
					key = snippet_find(t, st, slen, 1);
			}
			if (key < 0 && t->has_prefixes)
				key = snippet_find_prefix(t, buf, (size_t)fl);
		}
		if (key >= 0 && win_add(&w, i, e, groups[key], length) < 0) {
			rc = GZ_ENOMEM;
			goto done;
		}
		i = e;
	}

	if (!w.have && (flags & SNIPPET_EMPTY_WITHOUT_MATCH)) {
		*out = strdup("");
		rc = *out ? GZ_OK : GZ_ENOMEM;
		goto done;
	}
	/* Widen the chosen matches to about length bytes. */
	if (w.have) {
		ws = w.m[w.best_i].start;
		we = w.m[w.best_j].end;
	} else {
		ws = we = 0;
	}
	slack = we - ws < length ? length - (we - ws) : 0;
	start = ws > slack / 2 ? ws - slack / 2 : 0;
	end = start + (we - ws) + slack;
	if (end > len) {
		size_t over = end - len;

		end = len;
		start = start > over ? start - over : 0;
	}
	if (start > ws)
		start = ws;
	if (end < we)
		end = we;
	start = snap_start(text, len, start, ws);
	if (!w.have && start >= len)
		start = 0;
	end = snap_end(text, len, end, we > start ? we : start);
	if (!w.have && end <= start) {
		/* No word fits: cut at a character boundary. */
		end = start + length < len ? start + length : len;
		while (end > start && end < len &&
		       ((unsigned char)text[end] & 0xc0) == 0x80)
			end--;
	}

	if (start > 0)
		out_put(&o, "\xe2\x80\xa6", 3);
	{
		size_t s0 = start;

		while (s0 < end && snippet_space((unsigned char)text[s0]))
			s0++;
		for (mi = 0; mi < w.n; mi++) {
			const struct snippet_match *m = &w.m[mi];

			if (m->start < s0 || m->end > end)
				continue;
			out_text(&o, text, s0, m->start);
			out_put(&o, "<mark>", 6);
			out_text(&o, text, m->start, m->end);
			out_put(&o, "</mark>", 7);
			s0 = m->end;
		}
		out_text(&o, text, s0, end);
	}
	k = end;
	while (k < len && snippet_space((unsigned char)text[k]))
		k++;
	if (k < len)
		out_put(&o, "\xe2\x80\xa6", 3);
	if (!o.p && !o.failed)
		out_put(&o, "", 0);
	if (o.failed) {
		free(o.p);
		rc = GZ_ENOMEM;
		goto done;
	}
	*out = o.p;
done:
	free(groups);
	free(w.count);
	free(w.m);
	return rc;
}
