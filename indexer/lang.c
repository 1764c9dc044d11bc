/*
** lang.c — the language of a text by script and stop words.  See lang.h.
**
** One pass counts letters per script; Latin text is then cut into words
** (ASCII letters plus any UTF-8 letter bytes, ASCII lower-cased) and each
** word looked up by binary search in one table of stop words, each entry
** a bit mask of the languages it belongs to.
*/
#include <string.h>

#include "lang.h"

enum { L_EN, L_FR, L_DE, L_ES, L_IT, L_PT, L_NL, L_N };

static const char *const lang_codes[L_N] = { "en", "fr", "de", "es",
					     "it", "pt", "nl" };

#define EN (1u << L_EN)
#define FR (1u << L_FR)
#define DE (1u << L_DE)
#define ES (1u << L_ES)
#define IT (1u << L_IT)
#define PT (1u << L_PT)
#define NL (1u << L_NL)

struct lang_word {
	const char *w; /* lower-case UTF-8, sorted by strcmp */
	unsigned mask; /* languages it is a frequent word of */
};

/* The most frequent function words of each language, sorted by strcmp. */
static const struct lang_word lang_words[] = {
	{ "a", ES | IT | PT },
	{ "aan", NL },
	{ "al", ES | IT },
	{ "alla", IT },
	{ "als", NL | DE },
	{ "also", EN },
	{ "anche", IT },
	{ "and", EN },
	{ "ao", PT },
	{ "are", EN },
	{ "as", EN | PT },
	{ "au", FR },
	{ "auch", DE },
	{ "auf", DE },
	{ "aux", FR },
	{ "avec", FR },
	{ "be", EN },
	{ "bei", DE },
	{ "bij", NL },
	{ "but", EN },
	{ "by", EN },
	{ "ce", FR },
	{ "che", IT },
	{ "com", PT },
	{ "como", ES | PT },
	{ "con", ES | IT },
	{ "dans", FR },
	{ "das", DE | PT },
	{ "dat", NL },
	{ "de", FR | ES | PT | NL },
	{ "dei", IT },
	{ "del", ES | IT },
	{ "della", IT },
	{ "dem", DE },
	{ "den", DE | NL },
	{ "der", DE },
	{ "des", FR | DE },
	{ "di", IT },
	{ "die", DE | NL },
	{ "do", PT },
	{ "door", NL },
	{ "dos", PT },
	{ "du", FR },
	{ "een", NL },
	{ "ein", DE },
	{ "eine", DE },
	{ "el", ES },
	{ "elle", FR },
	{ "em", PT },
	{ "en", FR | ES | NL },
	{ "entre", ES | PT | FR },
	{ "er", NL },
	{ "es", ES | DE },
	{ "est", FR },
	{ "este", ES },
	{ "et", FR },
	{ "for", EN },
	{ "from", EN },
	{ "fue", ES },
	{ "f\xC3\xBCr", DE },
	{ "gli", IT },
	{ "ha", IT },
	{ "han", ES },
	{ "has", EN },
	{ "have", EN },
	{ "he", EN },
	{ "het", NL },
	{ "his", EN },
	{ "il", FR | IT },
	{ "im", DE },
	{ "in", EN | DE | IT | NL },
	{ "is", EN | NL },
	{ "ist", DE },
	{ "it", EN },
	{ "la", FR | ES | IT },
	{ "las", ES },
	{ "le", FR | IT },
	{ "les", FR },
	{ "lo", ES | IT },
	{ "los", ES },
	{ "ma", IT },
	{ "maar", NL },
	{ "mais", PT | FR },
	{ "met", NL },
	{ "mit", DE },
	{ "m\xC3\xA1s", ES },
	{ "na", PT },
	{ "naar", NL },
	{ "nach", DE },
	{ "nel", IT },
	{ "nicht", DE },
	{ "niet", NL },
	{ "no", PT | ES },
	{ "non", IT },
	{ "not", EN },
	{ "n\xC3\xA3o", PT },
	{ "o", PT },
	{ "of", EN },
	{ "on", EN },
	{ "ook", NL },
	{ "op", NL },
	{ "os", PT },
	{ "par", FR },
	{ "para", ES | PT },
	{ "pas", FR },
	{ "pelo", PT },
	{ "per", IT },
	{ "pero", ES },
	{ "pi\xC3\xB9", IT },
	{ "plus", FR },
	{ "por", ES | PT },
	{ "pour", FR },
	{ "que", FR | ES | PT },
	{ "questo", IT },
	{ "qui", FR },
	{ "se", ES | PT | IT },
	{ "sich", DE },
	{ "sie", DE },
	{ "sono", IT },
	{ "sont", FR },
	{ "sur", FR },
	{ "sus", ES },
	{ "tambi\xC3\xA9n", ES },
	{ "tamb\xC3\xA9m", PT },
	{ "te", NL },
	{ "that", EN },
	{ "the", EN },
	{ "they", EN },
	{ "this", EN },
	{ "to", EN },
	{ "um", PT | DE },
	{ "uma", PT },
	{ "un", FR | ES | IT },
	{ "una", ES | IT },
	{ "und", DE },
	{ "une", FR },
	{ "van", NL },
	{ "von", DE },
	{ "voor", NL },
	{ "was", EN | DE },
	{ "werd", NL },
	{ "which", EN },
	{ "wird", DE },
	{ "with", EN },
	{ "wordt", NL },
	{ "y", ES },
	{ "zijn", NL },
	{ "zu", DE },
	{ "\xC3\xA8", IT },
	{ "\xC3\xA9", PT },
	{ "\xC3\xA9t\xC3\xA9", FR },
};

/* The mask of word w (NUL-terminated), 0 when no stop word. */
static unsigned lang_lookup(const char *w)
{
	size_t lo = 0, hi = sizeof lang_words / sizeof lang_words[0];

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(w, lang_words[mid].w);

		if (!c)
			return lang_words[mid].mask;
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Counts of letters per script. */
struct lang_scripts {
	size_t latin, han, kana, hangul, cyr, greek, arab, hebrew, thai, deva;
};

/* Count the letters of each script in UTF-8 s[0..n). */
static void lang_count_scripts(const unsigned char *s, size_t n,
			       struct lang_scripts *sc)
{
	size_t i = 0;

	memset(sc, 0, sizeof *sc);
	while (i < n) {
		unsigned c = s[i], cp;

		if (c < 0x80) {
			if ((c | 32) >= 'a' && (c | 32) <= 'z')
				sc->latin++;
			i++;
			continue;
		}
		if (c >= 0xC0 && c < 0xE0 && i + 1 < n) {
			cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
			if (cp >= 0xC0 && cp < 0x250)
				sc->latin++;
			else if (cp >= 0x370 && cp < 0x400)
				sc->greek++;
			else if (cp >= 0x400 && cp < 0x530)
				sc->cyr++;
			else if (cp >= 0x590 && cp < 0x600)
				sc->hebrew++;
			else if (cp >= 0x600 && cp < 0x780)
				sc->arab++;
			i += 2;
			continue;
		}
		if (c >= 0xE0 && c < 0xF0 && i + 2 < n) {
			cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) |
				(s[i + 2] & 0x3Fu);
			if (cp >= 0x3040 && cp < 0x3100)
				sc->kana++;
			else if ((cp >= 0x4E00 && cp < 0xA000) ||
				 (cp >= 0x3400 && cp < 0x4DC0))
				sc->han++;
			else if ((cp >= 0xAC00 && cp < 0xD7B0) ||
				 (cp >= 0x1100 && cp < 0x1200))
				sc->hangul++;
			else if (cp >= 0x0E00 && cp < 0x0E80)
				sc->thai++;
			else if (cp >= 0x0900 && cp < 0x0980)
				sc->deva++;
			i += 3;
			continue;
		}
		i++;
	}
}

/*
** Count stop-word hits per Latin language over the words of s[0..n) into
** hits[L_N]; returns the number of words read.
*/
static size_t lang_count_words(const char *s, size_t n, size_t hits[L_N])
{
	size_t i = 0, words = 0, w;
	char wd[16];
	unsigned m;
	int k;

	memset(hits, 0, L_N * sizeof hits[0]);
	while (i < n && words < 5000) {
		while (i < n &&
		       !(((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') ||
			 (unsigned char)s[i] >= 0xC0))
			i++;
		w = 0;
		while (i < n &&
		       (((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') ||
			(unsigned char)s[i] >= 0x80)) {
			char ch = s[i++];

			if (w + 1 < sizeof wd)
				wd[w] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32)
							       : ch;
			w++;
		}
		if (!w)
			break;
		words++;
		if (w + 1 > sizeof wd)
			continue;
		wd[w] = '\0';
		m = lang_lookup(wd);
		for (k = 0; m && k < L_N; k++)
			if (m & (1u << k))
				hits[k]++;
	}
	return words;
}

const char *lang_guess(const char *text, size_t n, struct lang_guess *out)
{
	struct lang_scripts sc;
	size_t hits[L_N], words, letters;
	int k, best = 0, second = -1;

	memset(out, 0, sizeof *out);
	if (!text)
		return NULL;
	if (n > LANG_SAMPLE_BYTES)
		n = LANG_SAMPLE_BYTES;
	lang_count_scripts((const unsigned char *)text, n, &sc);
	letters = sc.latin + sc.han + sc.kana + sc.hangul + sc.cyr + sc.greek +
		sc.arab + sc.hebrew + sc.thai + sc.deva;
	out->script = 1;
	out->strong = 1;
	/* CJK characters weigh about as much as a Latin word of 4 letters */
	if (sc.kana > 10 && sc.kana * 10 > sc.han)
		return out->code = "ja";
	if (sc.hangul > 20 && sc.hangul * 4 > sc.latin)
		return out->code = "ko";
	if (sc.han > 20 && sc.han * 4 > sc.latin)
		return out->code = "zh";
	if (sc.cyr > 20 && sc.cyr > sc.latin)
		return out->code = "ru";
	if (sc.greek > 20 && sc.greek > sc.latin)
		return out->code = "el";
	if (sc.arab > 20 && sc.arab > sc.latin)
		return out->code = "ar";
	if (sc.hebrew > 20 && sc.hebrew > sc.latin)
		return out->code = "he";
	if (sc.thai > 20 && sc.thai > sc.latin)
		return out->code = "th";
	if (sc.deva > 20 && sc.deva > sc.latin)
		return out->code = "hi";
	out->script = 0;
	out->strong = 0;
	if (sc.latin < 20 || sc.latin * 2 < letters)
		return NULL;
	words = lang_count_words(text, n, hits);
	for (k = 1; k < L_N; k++)
		if (hits[k] > hits[best])
			best = k;
	for (k = 0; k < L_N; k++)
		if (k != best && (second < 0 || hits[k] > hits[second]))
			second = k;
	if (hits[best] < 3 || hits[best] * 20 < words ||
	    hits[best] * 4 < hits[second] * 5)
		return NULL;
	out->strong = hits[best] >= 10 && hits[best] >= 3 * hits[second];
	return out->code = lang_codes[best];
}

/* True for the codes lang_guess decides by script. */
static int lang_is_script_code(const char *c)
{
	static const char *const s[] = {
		"ja", "ko", "zh", "ru", "el", "ar", "he", "th", "hi",
		"uk", "bg", "sr", "mk", "be", "kk", "fa", "ur",
	};
	size_t i;

	for (i = 0; i < sizeof s / sizeof s[0]; i++)
		if (!strcmp(c, s[i]))
			return 1;
	return 0;
}

const char *lang_choose(const char *markup, const char *text, size_t n,
			int *from_text)
{
	struct lang_guess g;
	size_t i;

	*from_text = 0;
	lang_guess(text, n, &g);
	if (!markup || !markup[0]) {
		*from_text = g.code != NULL;
		return g.code;
	}
	if (!g.code || !strcmp(g.code, markup) || !g.strong)
		return markup;
	/* Cyrillic-script languages other than Russian stay as marked */
	if (!strcmp(g.code, "ru") && lang_is_script_code(markup) &&
	    strcmp(markup, "ja") && strcmp(markup, "ko") &&
	    strcmp(markup, "zh"))
		return markup;
	/* a Latin-script language the profiles do not know stays as marked */
	if (!g.script && !lang_is_script_code(markup)) {
		for (i = 0; i < L_N; i++)
			if (!strcmp(markup, lang_codes[i]))
				break;
		if (i == L_N)
			return markup;
	}
	*from_text = 1;
	return g.code;
}

int lang_from_tag(const char *v, char out[4])
{
	size_t n = 0;

	out[0] = '\0';
	if (!v)
		return 0;
	while (*v == ' ')
		v++;
	while (n < 3 &&
	       ((v[n] >= 'a' && v[n] <= 'z') || (v[n] >= 'A' && v[n] <= 'Z'))) {
		out[n] = (char)(v[n] >= 'A' && v[n] <= 'Z' ? v[n] + 32 : v[n]);
		n++;
	}
	out[n] = '\0';
	if (n < 2 ||
	    (v[n] && v[n] != '-' && v[n] != '_' && v[n] != ' ' &&
	     v[n] != ',')) {
		out[0] = '\0';
		return 0;
	}
	return 1;
}
