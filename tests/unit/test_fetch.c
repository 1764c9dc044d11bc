/*
** test_fetch.c — the fetcher's address policy (fetch.h) and the checks
** that need no network.  Fetching over real sockets is covered by the
** end-to-end suite against the loopback fixture server.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "fetch.h"
#include "gz_err.h"

/* One address and the expected verdict with no allow-list. */
struct addr_case {
	const char *addr; /* textual IPv4 or IPv6 address */
	int rc;           /* GZ_OK or GZ_EDENIED */
};

static const struct addr_case addr_cases[] = {
	{ "127.0.0.1", GZ_EDENIED },
	{ "127.255.0.9", GZ_EDENIED },
	{ "10.0.0.1", GZ_EDENIED },
	{ "10.255.255.255", GZ_EDENIED },
	{ "172.16.0.1", GZ_EDENIED },
	{ "172.31.255.254", GZ_EDENIED },
	{ "172.32.0.1", GZ_OK },
	{ "172.15.255.255", GZ_OK },
	{ "192.168.1.1", GZ_EDENIED },
	{ "169.254.169.254", GZ_EDENIED },
	{ "0.0.0.0", GZ_EDENIED },
	{ "100.64.0.1", GZ_EDENIED },
	{ "224.0.0.1", GZ_EDENIED },
	{ "255.255.255.255", GZ_EDENIED },
	{ "::1", GZ_EDENIED },
	{ "::", GZ_EDENIED },
	{ "::ffff:127.0.0.1", GZ_EDENIED },
	{ "::ffff:10.1.2.3", GZ_EDENIED },
	{ "::127.0.0.1", GZ_EDENIED },
	{ "64:ff9b::7f00:1", GZ_EDENIED },
	{ "2002:7f00:1::", GZ_EDENIED },
	{ "fc00::1", GZ_EDENIED },
	{ "fd12:3456::1", GZ_EDENIED },
	{ "fe80::1", GZ_EDENIED },
	{ "febf::1", GZ_EDENIED },
	{ "ff02::1", GZ_EDENIED },
	/* Public addresses. */
	{ "8.8.8.8", GZ_OK },
	{ "93.184.216.34", GZ_OK },
	{ "1.1.1.1", GZ_OK },
	{ "::ffff:8.8.8.8", GZ_OK },
	{ "64:ff9b::808:808", GZ_OK },
	{ "2606:4700:4700::1111", GZ_OK },
	{ "2a00:1450:4001:80b::200e", GZ_OK },
	{ "not an address", GZ_EINVAL },
};

/* Every row of addr_cases, with no allow-list. */
static void test_address_policy(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof addr_cases / sizeof addr_cases[0]; i++) {
		int rc = fetch_address_check_text(addr_cases[i].addr, NULL, 0);

		if (rc != addr_cases[i].rc)
			fail_msg("%s: got %d, want %d", addr_cases[i].addr, rc,
				 addr_cases[i].rc);
	}
}

/* Allow-list entries: exact addresses, CIDR blocks, IPv4 matching mapped IPv6. */
static void test_address_allowlist(void **state)
{
	char *allow[] = { "127.0.0.1", "10.1.0.0/16", "::1", "fd00::/8" };
	size_t n = sizeof allow / sizeof allow[0];

	(void)state;
	assert_int_equal(fetch_address_check_text("127.0.0.1", allow, n),
			 GZ_OK);
	assert_int_equal(fetch_address_check_text("::ffff:127.0.0.1", allow, n),
			 GZ_OK);
	assert_int_equal(fetch_address_check_text("127.0.0.2", allow, n),
			 GZ_EDENIED);
	assert_int_equal(fetch_address_check_text("10.1.200.3", allow, n),
			 GZ_OK);
	assert_int_equal(fetch_address_check_text("10.2.0.1", allow, n),
			 GZ_EDENIED);
	assert_int_equal(fetch_address_check_text("::1", allow, n), GZ_OK);
	assert_int_equal(fetch_address_check_text("fd12::1", allow, n), GZ_OK);
	assert_int_equal(fetch_address_check_text("fc00::1", allow, n),
			 GZ_EDENIED);
	assert_int_equal(fetch_address_check_text("192.168.0.1", allow, n),
			 GZ_EDENIED);
	assert_int_equal(fetch_address_check_text("8.8.8.8", allow, n), GZ_OK);
}

/* The sockaddr form writes the address as text for the refusal message. */
static void test_address_sockaddr(void **state)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	char text[64];

	(void)state;
	memset(&s4, 0, sizeof s4);
	s4.sin_family = AF_INET;
	inet_pton(AF_INET, "192.168.7.7", &s4.sin_addr);
	assert_int_equal(fetch_address_check((struct sockaddr *)&s4, sizeof s4,
					     NULL, 0, text, sizeof text),
			 GZ_EDENIED);
	assert_string_equal(text, "192.168.7.7");

	memset(&s6, 0, sizeof s6);
	s6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);
	assert_int_equal(fetch_address_check((struct sockaddr *)&s6, sizeof s6,
					     NULL, 0, text, sizeof text),
			 GZ_EDENIED);
	assert_string_equal(text, "::ffff:127.0.0.1");

	/* A truncated sockaddr is not an address. */
	assert_int_equal(fetch_address_check((struct sockaddr *)&s6, 8, NULL, 0,
					     text, sizeof text),
			 GZ_EINVAL);
}

/* fetch_new validates the allow-list; fetch_add refuses other schemes. */
static void test_fetch_setup(void **state)
{
	char *bad[] = { "127.0.0.1", "localhost" };
	char *good[] = { "127.0.0.1", "::1/128" };
	struct fetch_opts o;
	struct fetch *f = NULL;
	struct fetch_request req;
	struct fetch_result *r = NULL;
	char err[GZ_ERRLEN];

	(void)state;
	memset(&o, 0, sizeof o);
	o.user_agent = "GazetteTest/1.0";
	o.allow_addresses = bad;
	o.n_allow = 2;
	assert_int_equal(fetch_new(&o, &f, err), GZ_EINVAL);
	assert_null(f);
	assert_non_null(strstr(err, "localhost"));

	o.allow_addresses = good;
	assert_int_equal(fetch_new(&o, &f, err), GZ_OK);
	memset(&req, 0, sizeof req);
	req.max_bytes = 1024;
	req.url = "file:///etc/passwd";
	assert_int_equal(fetch_add(f, &req, err), GZ_EDENIED);
	req.url = "ftp://example.com/";
	assert_int_equal(fetch_add(f, &req, err), GZ_EDENIED);
	assert_int_equal(fetch_pending(f), 0);
	assert_int_equal(fetch_next(f, 0, &r, err), GZ_OK);
	assert_null(r);
	fetch_free(f);
}

/*
** A name that resolves to a refused address is caught at connect time:
** "localhost" with no allow-list gives GZ_EDENIED, without touching the
** network beyond the loopback interface.
*/
static void test_fetch_denied_name(void **state)
{
	struct fetch_opts o;
	struct fetch *f = NULL;
	struct fetch_request req;
	struct fetch_result *r = NULL;
	char err[GZ_ERRLEN];
	int i;

	(void)state;
	memset(&o, 0, sizeof o);
	o.user_agent = "GazetteTest/1.0";
	o.connect_timeout_sec = 5;
	o.timeout_sec = 10;
	assert_int_equal(fetch_new(&o, &f, err), GZ_OK);
	memset(&req, 0, sizeof req);
	req.url = "http://localhost:9/";
	req.max_bytes = 1024;
	req.user = &o;
	assert_int_equal(fetch_add(f, &req, err), GZ_OK);
	for (i = 0; i < 100 && !r; i++)
		assert_int_equal(fetch_next(f, 200, &r, err), GZ_OK);
	assert_non_null(r);
	assert_ptr_equal(r->user, &o);
	assert_int_equal(r->rc, GZ_EDENIED);
	assert_non_null(strstr(r->err, "refused by policy"));
	assert_int_equal(r->status, 0);
	fetch_result_free(r);
	fetch_free(f);
}

static void test_head_decoded(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: text/html\r\n"
				   "Content-Encoding: gzip\r\n"
				   "transfer-encoding: chunked\n"
				   "Content-Length: 42\r\n"
				   "ETag: \"x\"\r\n"
				   "\r\n";
	struct buf out;

	(void)state;
	buf_init(&out, 4096);
	assert_int_equal(fetch_head_decoded(head, sizeof head - 1, 1234, &out),
			 GZ_OK);
	assert_string_equal(out.ptr,
			    "HTTP/1.1 200 OK\r\n"
			    "Content-Type: text/html\r\n"
			    "X-Archive-Orig-Content-Encoding: gzip\r\n"
			    "X-Archive-Orig-transfer-encoding: chunked\r\n"
			    "X-Archive-Orig-Content-Length: 42\r\n"
			    "ETag: \"x\"\r\n"
			    "Content-Length: 1234\r\n"
			    "\r\n");
	buf_reset(&out);
	/* A head cut short (past FETCH_MAX_HEAD) still ends properly. */
	{
		static const char cut[] =
			"HTTP/1.1 304 Not Modified\r\nETag: \"x\"";

		assert_int_equal(
			fetch_head_decoded(cut, sizeof cut - 1, 0, &out),
			GZ_OK);
	}
	assert_string_equal(out.ptr,
			    "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n"
			    "Content-Length: 0\r\n\r\n");
	buf_reset(&out);
	assert_int_equal(fetch_head_decoded("garbage", 7, 0, &out), GZ_EPARSE);
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_policy),
		cmocka_unit_test(test_address_allowlist),
		cmocka_unit_test(test_address_sockaddr),
		cmocka_unit_test(test_fetch_setup),
		cmocka_unit_test(test_fetch_denied_name),
		cmocka_unit_test(test_head_decoded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
