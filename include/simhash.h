/*
** simhash.h — 64-bit SimHash fingerprints for near-duplicate articles.
**
** A wire story syndicated under several outlets comes back with a new
** headline, a trimmed first paragraph and a few words changed; its
** fingerprint stays within a few bits of the original's, while unrelated
** articles differ in about half of the 64 bits.
**
** The features are the overlapping three-word shingles of the text (words
** are runs of ASCII letters and digits, lower-cased, and of non-ASCII
** bytes, so UTF-8 letters count as word characters).  Each shingle is
** hashed to 64 bits (FNV-1a, then the MurmurHash3 finaliser so that every
** bit is well mixed); bit i of the fingerprint is 1 when more shingles have
** bit i set than clear (Charikar's SimHash, as Manku et al. used it for web
** pages).  Text with fewer than three words uses its words as features.
**
** Two fingerprints at most SIMHASH_NEAR bits apart are near-duplicates.
** Splitting the 64 bits into SIMHASH_BLOCKS blocks of 8 bits, two such
** fingerprints agree exactly on at least one block (pigeonhole), which is
** how the index finds candidates (index.c).
**
** Pure functions: no state, safe from any thread.
*/
#ifndef GZ_SIMHASH_H
#define GZ_SIMHASH_H

#include <stddef.h>
#include <stdint.h>

/* Words per shingle. */
#define SIMHASH_SHINGLE 3

/* Largest Hamming distance between near-duplicates.  Measured on the demo
** site: the syndicated wire pair is 5 bits apart, distinct articles at
** least 21.  Must stay below SIMHASH_BLOCKS for the block lookup. */
#define SIMHASH_NEAR 7

/* Blocks of 64 / SIMHASH_BLOCKS bits used to find candidates. */
#define SIMHASH_BLOCKS 8

/* Bytes of text looked at; an article's first 64 KiB decide. */
#define SIMHASH_MAX_TEXT (64u * 1024)

/*
** The fingerprint of text[0..len) (UTF-8, need not be NUL-terminated; at
** most SIMHASH_MAX_TEXT bytes are read).  *n_words (may be NULL) receives
** the number of words seen; with none the fingerprint is 0 and says
** nothing.
*/
uint64_t simhash_text(const char *text, size_t len, size_t *n_words);

/* Number of bits in which a and b differ (0..64). */
int simhash_distance(uint64_t a, uint64_t b);

/* Block i (0..SIMHASH_BLOCKS-1) of h: bits 8i..8i+7. */
unsigned simhash_block(uint64_t h, unsigned i);

#endif /* GZ_SIMHASH_H */
