/*
** test_lang.c — language by script and stop words, and markup overruled
** only when the text plainly contradicts it.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lang.h"

struct lang_case {
	const char *text; /* UTF-8 */
	const char *want; /* expected code, NULL for "unsure" */
};

static const struct lang_case guess_cases[] = {
	{ "The harbour board voted on Tuesday to extend the northern quay, a "
	  "project that has been discussed for almost a decade and that is "
	  "expected to bring larger ships to the town.",
	  "en" },
	{ "Le conseil du port a voté mardi l'extension du quai nord, un projet "
	  "qui est discuté depuis près de dix ans et qui doit attirer de plus "
	  "grands navires dans la ville pour les habitants.",
	  "fr" },
	{ "Der Hafenrat hat am Dienstag beschlossen, den Nordkai zu "
	  "verlängern, "
	  "ein Projekt, das seit fast zehn Jahren diskutiert wird und nicht "
	  "billig ist. Die Gegner sind mit dem Plan nicht einverstanden.",
	  "de" },
	{ "La junta del puerto votó el martes ampliar el muelle norte, un "
	  "proyecto que se ha discutido durante casi una década y que traerá "
	  "barcos más grandes a la ciudad, según los que lo apoyan.",
	  "es" },
	{ "Il consiglio del porto ha votato martedì per estendere il molo "
	  "nord, "
	  "un progetto che è stato discusso per quasi un decennio e che "
	  "secondo "
	  "i sostenitori porterà navi più grandi nella città.",
	  "it" },
	{ "O conselho do porto votou na terça-feira para ampliar o cais norte, "
	  "um projeto que foi discutido durante quase uma década e que não "
	  "deve custar pouco, segundo os que se opõem ao plano.",
	  "pt" },
	{ "Het havenbestuur heeft dinsdag besloten de noordkade te verlengen, "
	  "een project waarover al bijna tien jaar wordt gesproken en dat "
	  "volgens de voorstanders grotere schepen naar de stad zal brengen.",
	  "nl" },
	{ "港务局周二投票决定将北码头延长二百米，这一项目已讨论了近十年，"
	  "支持者说它将为本镇带来更大的船只和更多的就业机会。",
	  "zh" },
	{ "港湾局は火曜日に北の岸壁を二百メートル延長することを決めました。"
	  "この計画は十年近く議論されてきたものです。",
	  "ja" },
	{ "항만청은 화요일에 북쪽 부두를 이백 미터 연장하기로 결정했다. 이 "
	  "계획은 거의 십 년 동안 논의되어 왔다.",
	  "ko" },
	{ "Портовый совет во вторник проголосовал за продление северного "
	  "причала на двести метров.",
	  "ru" },
	{ "Το λιμενικό συμβούλιο αποφάσισε την Τρίτη να επεκτείνει την "
	  "βόρεια προβλήτα.",
	  "el" },
	{ "12345 67890 --- ... !!!", NULL },
	{ "", NULL },
};

static void test_guess_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof guess_cases / sizeof guess_cases[0]; i++) {
		struct lang_guess g;
		const char *got = lang_guess(guess_cases[i].text,
					     strlen(guess_cases[i].text), &g);
		const char *want = guess_cases[i].want;

		if (want ? !got || strcmp(got, want) : got != NULL)
			fail_msg("case %zu: got %s, want %s", i,
				 got ? got : "(none)", want ? want : "(none)");
	}
}

struct choose_case {
	const char *markup; /* language the page's markup states, or NULL */
	const char *text;   /* body */
	const char *want;   /* result */
	int from_text;      /* result taken from the text */
};

#define EN_LONG                                                               \
	"The council said that the new road would be open to the public "     \
	"in the spring and that it was the first of its kind in the region, " \
	"with work on the second part due to start when the money is found. " \
	"It is expected that the road will take traffic from the centre of "  \
	"the town, and that the people who live there will be glad of it."
#define DE_LONG                                                                 \
	"Der Rat sagte, dass die neue Straße im Frühjahr für die "           \
	"Öffentlichkeit geöffnet wird und dass sie die erste ihrer Art in "   \
	"der "                                                                  \
	"Region ist. Die Arbeiten an dem zweiten Teil sollen beginnen, wenn "   \
	"das Geld da ist, und die Anwohner sind mit dem Plan nicht "            \
	"unzufrieden, "                                                         \
	"denn der Verkehr wird aus dem Zentrum der Stadt auf die neue Straße " \
	"verlegt, die auch für den Bus von der Stadt zu dem Hafen ist."
#define ZH_LONG                                                                                         \
	"港务局周二投票决定将北码头延长二百米，这一项目已讨论了近十年，" \
	"支持者说它将为本镇带来更大的船只和更多的就业机会。"

static const struct choose_case choose_cases[] = {
	{ "en", EN_LONG, "en", 0 },
	{ NULL, EN_LONG, "en", 1 },
	{ "en", ZH_LONG, "zh", 1 }, /* template says en, text is Chinese */
	{ "zh", ZH_LONG, "zh", 0 },
	{ "ja", ZH_LONG, "zh", 1 }, /* no kana at all: not Japanese */
	{ "en", DE_LONG, "de", 1 }, /* template lang on a German page */
	{ "de", DE_LONG, "de", 0 },
	{ "sv", EN_LONG, "sv", 0 },       /* no profile for sv: stays */
	{ "fr", "Short text.", "fr", 0 }, /* weak evidence: markup stays */
	{ "uk",
	  "Портовий комітет проголосував за продовження причалу, "
	  "він буде довшим на двісті метрів цього року.",
	  "uk", 0 },
};

static void test_choose_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof choose_cases / sizeof choose_cases[0]; i++) {
		const struct choose_case *c = &choose_cases[i];
		int from_text = -1;
		const char *got = lang_choose(c->markup, c->text,
					      strlen(c->text), &from_text);

		if (!got || strcmp(got, c->want) || from_text != c->from_text)
			fail_msg("choose %zu: got %s (%d), want %s (%d)", i,
				 got ? got : "(none)", from_text, c->want,
				 c->from_text);
	}
}

static void test_tags(void **state)
{
	char out[4];

	(void)state;
	assert_true(lang_from_tag("en-US", out));
	assert_string_equal(out, "en");
	assert_true(lang_from_tag(" zh_CN", out));
	assert_string_equal(out, "zh");
	assert_true(lang_from_tag("FR", out));
	assert_string_equal(out, "fr");
	assert_false(lang_from_tag("x", out));
	assert_false(lang_from_tag("english", out));
	assert_false(lang_from_tag(NULL, out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guess_table),
		cmocka_unit_test(test_choose_table),
		cmocka_unit_test(test_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
