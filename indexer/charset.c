/*
** charset.c — any page's bytes to valid UTF-8.  See charset.h.
**
** Clean UTF-8 (the common case) is not copied: one scan proves it valid
** and free of control bytes, and the result points into the input.  Every
** other input is converted with iconv into a bounded buffer, bytes that do
** not decode replaced by U+FFFD, then sanitised.
*/
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "gz_err.h"

/* Counts from one scan of the input as UTF-8. */
struct ch_scan {
	size_t invalid;  /* bytes that start no valid sequence */
	size_t multi;    /* valid multi-byte sequences */
	size_t controls; /* NUL and C0 controls other than tab, LF, CR */
	size_t nonascii; /* bytes >= 0x80 */
};

static int ch_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

size_t charset_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/* True for a byte the sanitiser turns into a space. */
static int ch_is_control(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* Scan s[0..n) as UTF-8 into *sc. */
static void ch_scan(const char *s, size_t n, struct ch_scan *sc)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	memset(sc, 0, sizeof *sc);
	while (i < n) {
		if (u[i] >= 0x20 && u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] < 0x80) {
			sc->controls += ch_is_control(u[i]);
			i++;
			continue;
		}
		k = charset_utf8_seq(u + i, n - i);
		if (!k) {
			sc->invalid++;
			sc->nonascii++;
			i++;
			continue;
		}
		sc->multi++;
		sc->nonascii += k;
		i += k;
	}
}

int charset_utf8_valid(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = charset_utf8_seq((const unsigned char *)s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

int charset_sanitise(struct buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, k;
	int rc = GZ_OK;

	while (i < n && rc == GZ_OK) {
		k = charset_utf8_seq(u + i, n - i);
		if (k == 1 && ch_is_control(u[i]))
			k = 0;
		if (k) {
			i += k;
			run += k;
			continue;
		}
		rc = buf_add(out, u + i - run, run);
		run = 0;
		if (rc == GZ_OK)
			rc = u[i] < 0x20 ? buf_addc(out, ' ')
					 : buf_add(out, "\xEF\xBF\xBD", 3);
		i++;
	}
	if (rc == GZ_OK)
		rc = buf_add(out, u + i - run, run);
	return rc;
}

/*
** Copy a charset name starting at s (quotes, blanks and '=' skipped) into
** out, lower-cased.  Returns 1 when a name was found.
*/
static int ch_name(const char *s, const char *end, char *out, size_t n)
{
	size_t k = 0;

	while (s < end && (*s == ' ' || *s == '"' || *s == '\'' || *s == '='))
		s++;
	while (s < end && k + 1 < n &&
	       ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		(*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		*s == ':' || *s == '.'))
		out[k++] = (char)ch_lower((unsigned char)*s++);
	out[k] = '\0';
	return k > 0;
}

int charset_from_type(const char *s, size_t n, char *out, size_t n_out)
{
	const char *e = s + n, *p;
	size_t i;

	for (i = 0; i + 7 <= n; i++) {
		if (strncasecmp(s + i, "charset", 7) != 0)
			continue;
		p = s + i + 7;
		while (p < e && *p == ' ')
			p++;
		if (p < e && *p == '=')
			return ch_name(p + 1, e, out, n_out);
	}
	return 0;
}

/* Find a charset declared by a <meta> tag in html[0..n) into out. */
static int ch_from_meta(const char *html, size_t n, char *out, size_t n_out)
{
	size_t i;

	for (i = 0; i + 5 < n; i++) {
		const char *p, *e;

		if (html[i] != '<' || strncasecmp(html + i, "<meta", 5) != 0)
			continue;
		p = html + i;
		e = memchr(p, '>', n - i);
		if (!e)
			return 0;
		if (charset_from_type(p, (size_t)(e - p), out, n_out))
			return 1;
		i = (size_t)(e - html);
	}
	return 0;
}

/*
** The iconv name for a declared charset, "utf-8" for the ones read as
** UTF-8, or NULL for a name iconv would not know.
*/
static const char *ch_iconv_name(const char *name)
{
	static const struct {
		const char *alias; /* as declared, lower-case */
		const char *iconv; /* as iconv knows it */
	} map[] = {
		{ "utf-8", "utf-8" },
		{ "utf8", "utf-8" },
		{ "unicode-1-1-utf-8", "utf-8" },
		{ "utf-16", "utf-8" },
		{ "utf-16le", "utf-8" },
		{ "utf-16be", "utf-8" },
		{ "unicode", "utf-8" },
		{ "us-ascii", "WINDOWS-1252" },
		{ "ascii", "WINDOWS-1252" },
		{ "iso-8859-1", "WINDOWS-1252" },
		{ "iso8859-1", "WINDOWS-1252" },
		{ "iso_8859-1", "WINDOWS-1252" },
		{ "latin1", "WINDOWS-1252" },
		{ "l1", "WINDOWS-1252" },
		{ "windows-1252", "WINDOWS-1252" },
		{ "cp1252", "WINDOWS-1252" },
		{ "x-cp1252", "WINDOWS-1252" },
		{ "gb2312", "GB18030" },
		{ "gbk", "GB18030" },
		{ "x-gbk", "GB18030" },
		{ "gb_2312-80", "GB18030" },
		{ "cp936", "GB18030" },
		{ "gb18030", "GB18030" },
		{ "euc-cn", "GB18030" },
		{ "x-euc-cn", "GB18030" },
		{ "big5", "BIG5-HKSCS" },
		{ "big5-hkscs", "BIG5-HKSCS" },
		{ "x-x-big5", "BIG5-HKSCS" },
		{ "cn-big5", "BIG5-HKSCS" },
		{ "shift_jis", "CP932" },
		{ "shift-jis", "CP932" },
		{ "sjis", "CP932" },
		{ "x-sjis", "CP932" },
		{ "ms_kanji", "CP932" },
		{ "windows-31j", "CP932" },
		{ "cp932", "CP932" },
		{ "euc-jp", "EUC-JP" },
		{ "x-euc-jp", "EUC-JP" },
		{ "iso-2022-jp", "ISO-2022-JP" },
		{ "euc-kr", "CP949" },
		{ "ks_c_5601-1987", "CP949" },
		{ "cp949", "CP949" },
		{ "windows-949", "CP949" },
		{ "koi8-r", "KOI8-R" },
		{ "koi8-u", "KOI8-U" },
		{ "tis-620", "CP874" },
		{ "windows-874", "CP874" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(name, map[i].alias))
			return map[i].iconv;
	/* windows-125x, iso-8859-x and the like: iconv knows them by name */
	if (!strncmp(name, "windows-125", 11) ||
	    !strncmp(name, "iso-8859-", 9) || !strncmp(name, "cp125", 5) ||
	    !strncmp(name, "iso8859-", 8))
		return name;
	return NULL;
}

/*
** Convert in[0..len) from iconv charset name to UTF-8, appending to out;
** a byte that does not decode becomes U+FFFD and counts in *errors.
** GZ_OK, GZ_ENOMEM, GZ_ETOOBIG, or GZ_EINVAL when iconv lacks the charset.
*/
static int ch_convert(const char *in, size_t len, const char *name,
		      struct buf *out, size_t *errors)
{
	iconv_t cd = iconv_open("UTF-8", name);
	char *ip = (char *)in, *o;
	size_t inl = len, ol, room;
	int rc = GZ_OK;

	*errors = 0;
	if (cd == (iconv_t)-1)
		return GZ_EINVAL;
	while (inl > 0) {
		room = inl * 2 + 64;
		if (out->max > out->len && room > out->max - out->len)
			room = out->max - out->len;
		if (room < 8 || (rc = buf_grow(out, room)) != GZ_OK) {
			if (rc == GZ_OK)
				rc = GZ_ETOOBIG;
			break;
		}
		o = out->ptr + out->len;
		ol = out->cap - out->len - 1;
		if (iconv(cd, &ip, &inl, &o, &ol) == (size_t)-1) {
			out->len = (size_t)(o - out->ptr);
			if (errno == E2BIG)
				continue;
			/* EILSEQ or EINVAL: replace one byte and go on */
			(*errors)++;
			if ((rc = buf_add(out, "\xEF\xBF\xBD", 3)) != GZ_OK)
				break;
			ip++;
			inl--;
			iconv(cd, NULL, NULL, NULL, NULL);
			continue;
		}
		out->len = (size_t)(o - out->ptr);
	}
	if (rc == GZ_OK)
		iconv(cd, NULL, NULL, NULL, NULL);
	if (out->cap)
		out->ptr[out->len] = '\0';
	iconv_close(cd);
	return rc;
}

/* True when code point cp is in the sorted list v[0..n). */
static int ch_in(unsigned cp, const unsigned short *v, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] == cp)
			return 1;
		if (v[mid] < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
** How much UTF-8 text s[0..n) reads like Chinese, Japanese or Korean:
** occurrences of each language's most frequent characters (a wrong
** decoding yields rare characters instead).
*/
static size_t ch_cjk_score(const char *s, size_t n)
{
	/* Most frequent characters of Chinese (simplified and traditional),
	** Japanese kana and Korean syllables; sorted by code point. */
	static const unsigned short common[] = {
		0x3001, 0x3002, 0x3044, 0x3046, 0x304B, 0x304C, 0x3057, 0x3059,
		0x305F, 0x3063, 0x3066, 0x3067, 0x3068, 0x306A, 0x306B, 0x306E,
		0x306F, 0x307E, 0x308B, 0x308C, 0x3092, 0x3093, 0x4E00, 0x4E0A,
		0x4E0B, 0x4E0D, 0x4E2A, 0x4E2D, 0x4E3A, 0x4E86, 0x4EBA, 0x4ED6,
		0x4EE5, 0x4EEC, 0x4F1A, 0x4F60, 0x500B, 0x5011, 0x51FA, 0x5230,
		0x5341, 0x53EF, 0x548C, 0x5728, 0x5730, 0x5927, 0x5B50, 0x5BF9,
		0x5C0D, 0x5E74, 0x6210, 0x6211, 0x65BC, 0x65E5, 0x65F6, 0x6642,
		0x6703, 0x6709, 0x672C, 0x6765, 0x6B64, 0x70BA, 0x751F, 0x7684,
		0x8AAA, 0x8BF4, 0x8FD9, 0x9019, 0x91CC, 0xAC00, 0xAC8C, 0xACE0,
		0xAE30, 0xB2C8, 0xB2E4, 0xB3C4, 0xB4E4, 0xB85C, 0xB97C, 0xC0AC,
		0xC11C, 0xC5D0, 0xC73C, 0xC744, 0xC758, 0xC774, 0xC9C0, 0xD558,
		0xD55C, 0xFF0C,
	};
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, score = 0;

	while (i < n) {
		unsigned cp;

		k = charset_utf8_seq(u + i, n - i);
		if (k == 3) {
			cp = ((u[i] & 0x0Fu) << 12) |
				((u[i + 1] & 0x3Fu) << 6) | (u[i + 2] & 0x3Fu);
			if (cp >= 0x3000 &&
			    ch_in(cp, common, sizeof common / sizeof common[0]))
				score++;
		}
		i += k ? k : 1;
	}
	return score;
}

/*
** How well a sample of html[0..len) reads as CJK text in iconv charset
** name: frequent characters found, four taken off for each byte that
** does not decode.
*/
static size_t ch_score_as(const char *html, size_t len, const char *name)
{
	size_t n = len < CHARSET_GUESS_BYTES ? len : CHARSET_GUESS_BYTES;
	size_t errors = 0, score = 0;
	struct buf tmp;

	/* do not cut the sample inside a multi-byte character */
	while (n < len && n > 0 && (unsigned char)html[n] >= 0x80)
		n--;
	buf_init(&tmp, n * 4 + 64);
	if (ch_convert(html, n, name, &tmp, &errors) == GZ_OK) {
		score = ch_cjk_score(tmp.ptr, tmp.len);
		score = score > errors * 4 ? score - errors * 4 : 0;
	}
	buf_release(&tmp);
	return score;
}

/* The multi-byte candidates a guess chooses among (iconv names). */
static const char *const ch_cands[] = {
	"GB18030", "BIG5-HKSCS", "CP932", "EUC-JP", "CP949",
};

/* True when iconv name is one of ch_cands[]. */
static int ch_is_cand(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof ch_cands / sizeof ch_cands[0]; i++)
		if (!strcmp(name, ch_cands[i]))
			return 1;
	return 0;
}

/*
** Guess the encoding of bytes that are not (or not only) what they claim:
** decode a sample with each CJK candidate and keep the one whose text
** holds the most frequent CJK characters, errors counting against it.
** Falls back to fallback (windows-1252 when NULL).  Sets *score (may be
** NULL) to the winner's score.  Returns an iconv name.
*/
static const char *ch_guess(const char *html, size_t len, const char *fallback,
			    size_t *score)
{
	size_t i, sc, best_score = 0;
	const char *best = NULL;

	for (i = 0; i < sizeof ch_cands / sizeof ch_cands[0]; i++) {
		sc = ch_score_as(html, len, ch_cands[i]);
		if (sc > best_score) {
			best_score = sc;
			best = ch_cands[i];
		}
	}
	if (score)
		*score = best_score;
	if (best && best_score >= 8)
		return best;
	return fallback ? fallback : "WINDOWS-1252";
}

/* Copy s into out (CHARSET_NAMELEN bytes), lower-cased. */
static void ch_setname(char *out, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < CHARSET_NAMELEN; i++)
		out[i] = (char)ch_lower((unsigned char)s[i]);
	out[i] = '\0';
}

/* Convert with iconv name into r->own and sanitise.  GZ_* codes. */
static int ch_decode_into(const char *html, size_t len, const char *name,
			  size_t max, struct charset_result *r)
{
	struct buf conv;
	size_t errors;
	int rc;

	buf_init(&conv, max);
	rc = ch_convert(html, len, name, &conv, &errors);
	if (rc == GZ_EINVAL) {
		buf_release(&conv);
		ch_setname(r->name, "utf-8");
		rc = charset_sanitise(&r->own, html, len);
	} else {
		if (rc == GZ_OK || rc == GZ_ETOOBIG)
			rc = charset_sanitise(&r->own, conv.ptr, conv.len);
		buf_release(&conv);
	}
	r->ptr = r->own.ptr;
	r->len = r->own.len;
	return rc;
}

int charset_to_utf8(const char *html, size_t len, const char *content_type,
		    size_t max, struct charset_result *r)
{
	const unsigned char *u = (const unsigned char *)html;
	const char *iname = NULL;
	struct ch_scan sc;
	char decl[CHARSET_NAMELEN] = "";
	int rc;

	memset(r, 0, sizeof *r);
	buf_init(&r->own, max);
	r->ptr = "";
	ch_setname(r->name, "utf-8");
	if (!html || !len)
		return GZ_OK;

	/* 1. byte order marks */
	if (len >= 2 &&
	    ((u[0] == 0xFF && u[1] == 0xFE) ||
	     (u[0] == 0xFE && u[1] == 0xFF))) {
		const char *n16 = u[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";

		r->how = CHARSET_BOM;
		ch_setname(r->name, n16);
		return ch_decode_into(html + 2, len - 2, n16, max, r);
	}
	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		r->how = CHARSET_BOM;
		html += 3;
		len -= 3;
		iname = "utf-8";
	}

	/* 2. declarations */
	if (!iname && content_type &&
	    charset_from_type(content_type, strlen(content_type), decl,
			      sizeof decl))
		r->how = CHARSET_HTTP;
	else if (!iname &&
		 ch_from_meta(html,
			      len < CHARSET_SNIFF_BYTES ? len
							: CHARSET_SNIFF_BYTES,
			      decl, sizeof decl))
		r->how = CHARSET_META;
	if (decl[0]) {
		ch_setname(r->declared, decl);
		iname = ch_iconv_name(decl);
		if (iname && r->how == CHARSET_HTTP &&
		    (!strcmp(decl, "utf-16le") || !strcmp(decl, "utf-16be") ||
		     !strcmp(decl, "utf-16"))) {
			/* a real UTF-16 body from the server: NULs tell the order */
			int le = len >= 2 && u[1] == 0 && u[0] != 0;
			int be = len >= 2 && u[0] == 0 && u[1] != 0;

			if (le || be) {
				const char *n16 = le ? "UTF-16LE" : "UTF-16BE";

				ch_setname(r->name, n16);
				return ch_decode_into(html, len, n16, max, r);
			}
		}
	}

	/* 3. check what is claimed against the bytes */
	ch_scan(html, len, &sc);
	if (!iname || !strcmp(iname, "utf-8")) {
		/* declared UTF-8 is believed unless bad sequences outnumber
		** good ones (and are more than a stray few); undeclared bytes
		** are UTF-8 when good sequences are the majority */
		if (sc.invalid == 0 ||
		    (iname ? sc.invalid < 4 || sc.invalid <= sc.multi
			   : sc.invalid < sc.multi)) {
			/* UTF-8, perhaps with a stray byte or two */
			ch_setname(r->name, "utf-8");
			if (!sc.invalid && !sc.controls) {
				r->ptr = html;
				r->len = len;
				return GZ_OK;
			}
			rc = charset_sanitise(&r->own, html, len);
			r->ptr = r->own.ptr;
			r->len = r->own.len;
			return rc;
		}
		/* undeclared or declared UTF-8, but it is not */
		iname = ch_guess(html, len, NULL, NULL);
		r->how = CHARSET_GUESSED;
	} else if (sc.invalid == 0 && sc.multi > 0 &&
		   strcmp(iname, "ISO-2022-JP") != 0) {
		/* declared legacy, but the bytes are UTF-8 */
		r->how = CHARSET_GUESSED;
		ch_setname(r->name, "utf-8");
		if (!sc.controls) {
			r->ptr = html;
			r->len = len;
			return GZ_OK;
		}
		rc = charset_sanitise(&r->own, html, len);
		r->ptr = r->own.ptr;
		r->len = r->own.len;
		return rc;
	} else if (ch_is_cand(iname) && sc.nonascii >= 16) {
		/* a declared CJK charset: another one may read far better
		** (GB18030 decodes almost any bytes, so errors alone prove
		** little) */
		size_t mine = ch_score_as(html, len, iname), best;
		const char *g = ch_guess(html, len, iname, &best);

		if (g != iname && best >= 8 && best > 2 * mine + 8) {
			iname = g;
			r->how = CHARSET_GUESSED;
		}
	}
	ch_setname(r->name, iname);
	return ch_decode_into(html, len, iname, max, r);
}

void charset_result_free(struct charset_result *r)
{
	buf_release(&r->own);
	r->ptr = "";
	r->len = 0;
}
