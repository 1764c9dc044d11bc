/*
** hash.h — non-cryptographic hashing for keys and change detection.
*/
#ifndef GZ_HASH_H
#define GZ_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit FNV-1a of len bytes at p, continuing from seed (0 for a fresh hash). */
uint64_t gz_hash64(const void *p, size_t len, uint64_t seed);

/* Write h as 16 lower-case hex digits and a NUL into out (17 bytes). */
void gz_hash_hex(uint64_t h, char *out);

#endif /* GZ_HASH_H */
