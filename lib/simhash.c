/*
** simhash.c — 64-bit SimHash over word shingles (see simhash.h).
**
** The text is read once: each word is hashed as it ends, the last
** SIMHASH_SHINGLE word hashes are kept in a ring, and each new word closes
** one shingle whose hash combines them in order.  Sixty-four counters
** collect the votes.
*/
#include "simhash.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

/* MurmurHash3's 64-bit finaliser: every input bit affects every output bit. */
static uint64_t simhash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Add the votes of feature hash h to the counters v. */
static void simhash_vote(long *v, uint64_t h)
{
	int b;

	h = simhash_mix(h);
	for (b = 0; b < 64; b++)
		v[b] += ((h >> b) & 1) ? 1 : -1;
}

/* Combine the word hashes of one shingle, oldest first, into one hash. */
static uint64_t simhash_shingle(const uint64_t *ring, size_t next)
{
	uint64_t h = FNV_OFFSET;
	size_t i;

	for (i = 0; i < SIMHASH_SHINGLE; i++) {
		h ^= ring[(next + i) % SIMHASH_SHINGLE];
		h *= FNV_PRIME;
		h = (h << 29) | (h >> 35);
	}
	return h;
}

/* True for a byte that belongs to a word (ASCII alphanumeric or non-ASCII). */
static int simhash_wordc(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c >= 0x80;
}

uint64_t simhash_text(const char *text, size_t len, size_t *n_words)
{
	const unsigned char *p = (const unsigned char *)text;
	uint64_t ring[SIMHASH_SHINGLE] = { 0 };
	long v[64] = { 0 };
	size_t i = 0, words = 0, next = 0;
	uint64_t out = 0;
	int b;

	if (!text)
		len = 0;
	if (len > SIMHASH_MAX_TEXT)
		len = SIMHASH_MAX_TEXT;
	while (i < len) {
		uint64_t h = FNV_OFFSET;

		while (i < len && !simhash_wordc(p[i]))
			i++;
		if (i >= len)
			break;
		while (i < len && simhash_wordc(p[i])) {
			unsigned char c = p[i++];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			h ^= c;
			h *= FNV_PRIME;
		}
		ring[next] = h;
		next = (next + 1) % SIMHASH_SHINGLE;
		words++;
		if (words >= SIMHASH_SHINGLE)
			simhash_vote(v, simhash_shingle(ring, next));
	}
	if (words > 0 && words < SIMHASH_SHINGLE) {
		/* Too short for one shingle: its words are the features. */
		size_t k;

		for (k = 0; k < words; k++)
			simhash_vote(v, ring[k]);
	}
	for (b = 0; b < 64; b++)
		if (v[b] > 0)
			out |= (uint64_t)1 << b;
	if (n_words)
		*n_words = words;
	return words ? out : 0;
}

int simhash_distance(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ b;
	int n = 0;

	while (x) {
		x &= x - 1;
		n++;
	}
	return n;
}

unsigned simhash_block(uint64_t h, unsigned i)
{
	return (unsigned)((h >> (8 * (i % SIMHASH_BLOCKS))) & 0xff);
}
