/*
** test_simhash.c — SimHash fingerprints: stable, close for a reworded wire
** copy, far for different stories, and the block split the index's
** candidate lookup relies on.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "simhash.h"

static const char *story =
	"Trade ministers from eleven Pacific Rim economies agreed on Thursday "
	"to phase out tariffs on most farm goods over the next eight years, in "
	"a deal officials described as the most significant step on "
	"agricultural trade in the region for a decade. The agreement, reached "
	"after two days of talks, covers grains, dairy, fresh fruit and "
	"processed meat. Tariffs on about 80 percent of those products will "
	"fall to zero by 2022, with longer transition periods for rice and "
	"sugar, which several governments consider politically sensitive. "
	"Farm lobby groups in exporting countries welcomed the deal. A "
	"spokesman for a growers' federation said fruit exporters alone could "
	"save more than $300 million a year in duties once the cuts were fully "
	"in place. The agreement must still be ratified by national "
	"parliaments, a process that officials expect to take at least a year.";

/* The same story as another outlet runs it: a word changed, one added. */
static const char *copy =
	"Trade ministers from eleven Pacific Rim economies agreed on Thursday "
	"to phase out tariffs on most farm goods over the next eight years, in "
	"a deal officials called the most significant step on "
	"agricultural trade in the region for a decade. The agreement, reached "
	"after two days of talks, covers grains, dairy, fresh fruit and "
	"processed meat. Tariffs on about 80 percent of those products will "
	"fall to zero by 2022, with longer transition periods for rice and "
	"sugar, which several governments consider politically sensitive. "
	"Farm lobby groups in exporting countries welcomed the deal. A "
	"spokesman for a growers' federation said fruit exporters alone could "
	"save more than $300 million a year in duties once the cuts were fully "
	"in place. The agreement must still be ratified by national "
	"parliaments, a process that officials expect to take at least a year "
	"or more.";

static const char *other =
	"Along with China's increasing involvement in the international "
	"community, city diplomacy has become one of the most important "
	"elements of the country's foreign relations. Sister cities promote "
	"exchanges in culture, education and trade, and mayors now travel "
	"abroad to attract investment and tourists to their regions, while "
	"local governments sign agreements of their own with partners "
	"overseas.";

static void test_deterministic_and_case_blind(void **state)
{
	char upper[2048];
	size_t i, words = 0;

	(void)state;
	for (i = 0; story[i] && i < sizeof upper - 1; i++)
		upper[i] = (story[i] >= 'a' && story[i] <= 'z')
			? (char)(story[i] - 'a' + 'A')
			: story[i];
	upper[i] = '\0';
	assert_int_equal(simhash_text(story, strlen(story), &words),
			 simhash_text(story, strlen(story), NULL));
	assert_true(words > 100);
	assert_int_equal(simhash_text(story, strlen(story), NULL),
			 simhash_text(upper, strlen(upper), NULL));
	/* Punctuation and spacing do not count, words do. */
	assert_int_equal(simhash_text("a, b;  c d", 10, NULL),
			 simhash_text("a b c d", 7, NULL));
}

static void test_near_and_far(void **state)
{
	uint64_t a = simhash_text(story, strlen(story), NULL);
	uint64_t b = simhash_text(copy, strlen(copy), NULL);
	uint64_t c = simhash_text(other, strlen(other), NULL);

	(void)state;
	assert_true(simhash_distance(a, b) <= SIMHASH_NEAR);
	assert_true(simhash_distance(a, c) > SIMHASH_NEAR + 4);
	assert_true(simhash_distance(b, c) > SIMHASH_NEAR + 4);
}

static void test_empty_and_short(void **state)
{
	size_t words = 7;

	(void)state;
	assert_int_equal(simhash_text("", 0, &words), 0);
	assert_int_equal(words, 0);
	assert_int_equal(simhash_text(NULL, 5, &words), 0);
	assert_int_equal(simhash_text("  ,.; ", 6, &words), 0);
	assert_int_equal(words, 0);
	assert_true(simhash_text("two words", 9, &words) != 0);
	assert_int_equal(words, 2);
	assert_true(simhash_text("two words", 9, NULL) !=
		    simhash_text("other words", 11, NULL));
}

static void test_distance_and_blocks(void **state)
{
	uint64_t h = 0x0123456789abcdefULL;
	unsigned i;

	(void)state;
	assert_int_equal(simhash_distance(0, 0), 0);
	assert_int_equal(simhash_distance(0, ~(uint64_t)0), 64);
	assert_int_equal(simhash_distance(h, h ^ 0x8000000000000001ULL), 2);
	assert_int_equal(simhash_block(h, 0), 0xef);
	assert_int_equal(simhash_block(h, 7), 0x01);
	/* Pigeonhole: SIMHASH_NEAR flipped bits spread one per block still
	** leave a block untouched. */
	{
		uint64_t g = h;
		unsigned same = 0;

		for (i = 0; i < SIMHASH_NEAR; i++)
			g ^= (uint64_t)1 << (8 * i + 3);
		for (i = 0; i < SIMHASH_BLOCKS; i++)
			same += simhash_block(g, i) == simhash_block(h, i);
		assert_true(same >= 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic_and_case_blind),
		cmocka_unit_test(test_near_and_far),
		cmocka_unit_test(test_empty_and_short),
		cmocka_unit_test(test_distance_and_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
