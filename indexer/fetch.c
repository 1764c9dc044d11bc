/*
** fetch.c — the crawler's HTTP client over the curl multi interface.
**
** Each request is one easy handle with a struct fetch_xfer as its private
** data; the write callback enforces the body cap on decoded bytes, the
** header callback keeps the validators and Retry-After of the final
** response, and the open-socket callback applies the address policy to
** every address curl is about to connect to.  See fetch.h.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "fetch.h"
#include "gz_err.h"
#include "gz_limits.h"
#include "gztime.h"

/* Longest header value kept (ETag, Last-Modified, Retry-After). */
#define FETCH_MAX_HEADER 1024

/* Longest Retry-After honoured, in seconds (one week). */
#define FETCH_MAX_RETRY_AFTER (7L * 86400)

/* One transfer in flight. */
struct fetch_xfer {
	struct fetch *f;              /* owner */
	CURL *easy;                   /* the curl handle */
	struct fetch_result *res;     /* result being filled */
	size_t max_bytes;             /* body cap */
	int flags;                    /* FETCH_* */
	int too_big;                  /* the write callback hit the cap */
	int denied;                   /* the open-socket callback refused */
	char denied_addr[64];         /* the refused address, as text */
	struct curl_slist *headers;   /* request headers */
	char errbuf[CURL_ERROR_SIZE]; /* curl's message */
	struct fetch_xfer *prev;      /* list of transfers in flight */
	struct fetch_xfer *next;
};

struct fetch {
	CURLM *multi;             /* the multi handle */
	char *user_agent;         /* User-Agent */
	long connect_timeout;     /* seconds */
	long timeout;             /* seconds */
	long low_bytes;           /* low-speed limit, bytes/s */
	long low_sec;             /* over this many seconds */
	char **allow;             /* allow-listed addresses / CIDR blocks */
	size_t n_allow;           /* number of allow */
	size_t pending;           /* transfers in flight */
	struct fetch_xfer *xfers; /* their list */
	atomic_int woken;         /* fetch_wakeup was called (any thread) */
};

/* ------------------------------------------------------------ addresses */

/* An address in IPv6 form (IPv4 as ::ffff:a.b.c.d) and a prefix length. */
struct fetch_net {
	unsigned char a[16]; /* address */
	int bits;            /* prefix length, 0..128 */
};

/* Store the IPv4 address v4 (4 bytes) as an IPv4-mapped IPv6 address. */
static void fetch_map4(const unsigned char *v4, unsigned char *out)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

/*
** Parse "addr" or "addr/bits" into *n.  Returns 0, or -1 when it is not
** an IPv4 or IPv6 address with a valid prefix length.
*/
static int fetch_parse_net(const char *s, struct fetch_net *n)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned char v4[4];
	int is4, bits = -1;

	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (tmp[0] == '[' && tmp[len - 1] == ']') {
		memmove(tmp, tmp + 1, len - 2);
		tmp[len - 2] = '\0';
	}
	if (inet_pton(AF_INET, tmp, v4) == 1) {
		fetch_map4(v4, n->a);
		is4 = 1;
	} else if (inet_pton(AF_INET6, tmp, n->a) == 1) {
		is4 = 0;
	} else {
		return -1;
	}
	if (slash) {
		const char *p = slash + 1;

		bits = 0;
		if (!*p)
			return -1;
		for (; *p; p++) {
			if (*p < '0' || *p > '9' || bits > 128)
				return -1;
			bits = bits * 10 + (*p - '0');
		}
		if (bits > (is4 ? 32 : 128))
			return -1;
		if (is4)
			bits += 96;
	}
	n->bits = bits < 0 ? 128 : bits;
	return 0;
}

/* True when the first bits bits of a and b agree. */
static int fetch_prefix_eq(const unsigned char *a, const unsigned char *b,
			   int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));

		return (a[full] & mask) == (b[full] & mask);
	}
	return 1;
}

/* True when the IPv4 address v4 lies in a range the crawler must not reach. */
static int fetch_v4_blocked(const unsigned char *v4)
{
	static const struct {
		unsigned char net[4];
		int bits;
	} blocked[] = {
		{ { 0, 0, 0, 0 }, 8 },       /* "this network", 0.0.0.0 */
		{ { 10, 0, 0, 0 }, 8 },      /* private */
		{ { 100, 64, 0, 0 }, 10 },   /* carrier-grade NAT */
		{ { 127, 0, 0, 0 }, 8 },     /* loopback */
		{ { 169, 254, 0, 0 }, 16 },  /* link-local (cloud metadata) */
		{ { 172, 16, 0, 0 }, 12 },   /* private */
		{ { 192, 0, 0, 0 }, 24 },    /* IETF protocol assignments */
		{ { 192, 0, 2, 0 }, 24 },    /* documentation */
		{ { 192, 168, 0, 0 }, 16 },  /* private */
		{ { 198, 18, 0, 0 }, 15 },   /* benchmarking */
		{ { 198, 51, 100, 0 }, 24 }, /* documentation */
		{ { 203, 0, 113, 0 }, 24 },  /* documentation */
		{ { 224, 0, 0, 0 }, 4 },     /* multicast */
		{ { 240, 0, 0, 0 }, 4 },     /* reserved, broadcast */
	};
	size_t i;

	for (i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
		if (fetch_prefix_eq(v4, blocked[i].net, blocked[i].bits))
			return 1;
	return 0;
}

/* True when the IPv6 address a (16 bytes) must not be reached. */
static int fetch_v6_blocked(const unsigned char *a)
{
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0,    0,
						  0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const struct {
		unsigned char net[2];
		int bits;
	} blocked[] = {
		{ { 0xfc, 0x00 }, 7 },  /* unique local */
		{ { 0xfe, 0x80 }, 10 }, /* link-local */
		{ { 0xfe, 0xc0 }, 10 }, /* site-local (deprecated) */
		{ { 0xff, 0x00 }, 8 },  /* multicast */
	};
	size_t i;

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return fetch_v4_blocked(a + 12);
	if (memcmp(a, zero, 12) == 0) {
		/* ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d. */
		return 1;
	}
	if (a[0] == 0x20 && a[1] == 0x02) /* 6to4: 2002:a.b.c.d::/48 */
		return fetch_v4_blocked(a + 2);
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return 1; /* documentation 2001:db8::/32 */
	if (a[0] == 0x01 && a[1] == 0x00 && memcmp(a + 2, zero, 6) == 0)
		return 1; /* discard 100::/64 */
	for (i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
		if (fetch_prefix_eq(a, blocked[i].net, blocked[i].bits))
			return 1;
	return 0;
}

int fetch_address_check(const struct sockaddr *sa, socklen_t len,
			char *const *allow, size_t n, char *text, size_t textn)
{
	unsigned char a[16];
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	if (sa->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		fetch_map4((const unsigned char *)&s4->sin_addr, a);
		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
	} else if (sa->sa_family == AF_INET6 &&
		   len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		memcpy(a, &s6->sin6_addr, 16);
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
	} else {
		if (text && textn)
			snprintf(text, textn, "(family %d)", sa->sa_family);
		return GZ_EINVAL;
	}
	if (text && textn)
		snprintf(text, textn, "%s", buf);
	for (i = 0; i < n; i++) {
		struct fetch_net net;

		if (allow[i] && fetch_parse_net(allow[i], &net) == 0 &&
		    fetch_prefix_eq(a, net.a, net.bits))
			return GZ_OK;
	}
	return fetch_v6_blocked(a) ? GZ_EDENIED : GZ_OK;
}

int fetch_address_check_text(const char *addr, char *const *allow, size_t n)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return fetch_address_check((struct sockaddr *)&s4, sizeof s4,
					   allow, n, NULL, 0);
	}
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		return fetch_address_check((struct sockaddr *)&s6, sizeof s6,
					   allow, n, NULL, 0);
	}
	return GZ_EINVAL;
}

/* ------------------------------------------------------------ callbacks */

/*
** CURLOPT_OPENSOCKETFUNCTION: apply the address policy to the resolved
** address; CURL_SOCKET_BAD refuses the connection.
*/
static curl_socket_t fetch_opensocket(void *clientp, curlsocktype purpose,
				      struct curl_sockaddr *addr)
{
	struct fetch_xfer *x = clientp;
	char text[64];

	(void)purpose;
	if (fetch_address_check(&addr->addr, addr->addrlen, x->f->allow,
				x->f->n_allow, text, sizeof text) != GZ_OK) {
		x->denied = 1;
		snprintf(x->denied_addr, sizeof x->denied_addr, "%s", text);
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* CURLOPT_WRITEFUNCTION: append to the body, stopping at the cap. */
static size_t fetch_write(char *data, size_t size, size_t nmemb, void *clientp)
{
	struct fetch_xfer *x = clientp;
	struct buf *b = &x->res->body;
	size_t n = size * nmemb;

	if (n > x->max_bytes - b->len) {
		if (x->flags & FETCH_TRUNCATE) {
			buf_add(b, data, x->max_bytes - b->len);
			x->res->truncated = 1;
		} else {
			x->too_big = 1;
		}
		return 0; /* abort the transfer */
	}
	if (buf_add(b, data, n) != GZ_OK)
		return 0;
	return n;
}

/* Replace *field with a copy of v[0..n), trimmed and bounded. */
static void fetch_set_header(char **field, const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n &&
	       (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' ||
		v[n - 1] == '\t'))
		n--;
	free(*field);
	*field = NULL;
	if (n && n <= FETCH_MAX_HEADER)
		*field = strndup(v, n);
}

/* Seconds from a Retry-After value (delta-seconds or HTTP-date); -1 if bad. */
static long fetch_retry_after(const char *v)
{
	long s = 0;
	const char *p = v;
	time_t t;

	if (!v)
		return -1;
	if (*p >= '0' && *p <= '9') {
		for (; *p >= '0' && *p <= '9'; p++) {
			s = s * 10 + (*p - '0');
			if (s > FETCH_MAX_RETRY_AFTER)
				s = FETCH_MAX_RETRY_AFTER;
		}
		return *p ? -1 : s;
	}
	t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	s = (long)(t - time(NULL));
	if (s < 0)
		s = 0;
	return s > FETCH_MAX_RETRY_AFTER ? FETCH_MAX_RETRY_AFTER : s;
}

/* CURLOPT_HEADERFUNCTION: keep the validators of the last response. */
static size_t fetch_header(char *data, size_t size, size_t nmemb, void *clientp)
{
	struct fetch_xfer *x = clientp;
	struct fetch_result *r = x->res;
	size_t n = size * nmemb;
	const char *colon = memchr(data, ':', n);
	size_t klen;
	char *ra = NULL;

	if (x->flags & FETCH_KEEP_HEAD) {
		if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
			buf_reset(&r->head);
		buf_add(&r->head, data, n); /* past FETCH_MAX_HEAD: cut */
	}
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100-continue). */
		free(r->etag);
		free(r->last_modified);
		r->etag = r->last_modified = NULL;
		r->retry_after_sec = -1;
		return n;
	}
	if (!colon)
		return n;
	klen = (size_t)(colon - data);
	if (klen == 4 && strncasecmp(data, "etag", 4) == 0) {
		fetch_set_header(&r->etag, colon + 1, n - klen - 1);
	} else if (klen == 13 && strncasecmp(data, "last-modified", 13) == 0) {
		fetch_set_header(&r->last_modified, colon + 1, n - klen - 1);
	} else if (klen == 11 && strncasecmp(data, "retry-after", 11) == 0) {
		fetch_set_header(&ra, colon + 1, n - klen - 1);
		r->retry_after_sec = fetch_retry_after(ra);
		free(ra);
	}
	return n;
}

/* ------------------------------------------------------------ the fetcher */

int fetch_new(const struct fetch_opts *o, struct fetch **out, char *err)
{
	struct fetch *f;
	size_t i;

	*out = NULL;
	for (i = 0; i < o->n_allow; i++) {
		struct fetch_net net;

		if (fetch_parse_net(o->allow_addresses[i], &net) != 0)
			return gz_fail(err, GZ_EINVAL,
				       "allow_address %s: not an IP address or "
				       "CIDR block",
				       o->allow_addresses[i]);
	}
	f = calloc(1, sizeof *f);
	if (!f)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	f->connect_timeout =
		o->connect_timeout_sec > 0 ? o->connect_timeout_sec : 10;
	f->timeout = o->timeout_sec > 0 ? o->timeout_sec : 60;
	f->low_bytes = o->low_speed_sec > 0 ? o->low_speed_bytes : 1;
	f->low_sec = o->low_speed_sec > 0 ? o->low_speed_sec : 30;
	f->user_agent = strdup(o->user_agent ? o->user_agent : "Gazette");
	if (o->n_allow)
		f->allow = calloc(o->n_allow, sizeof *f->allow);
	if (!f->user_agent || (o->n_allow && !f->allow))
		goto nomem;
	for (i = 0; i < o->n_allow; i++) {
		f->allow[i] = strdup(o->allow_addresses[i]);
		if (!f->allow[i])
			goto nomem;
		f->n_allow++;
	}
	f->multi = curl_multi_init();
	if (!f->multi) {
		fetch_free(f);
		return gz_fail(err, GZ_EFETCH, "cannot start libcurl");
	}
	if (o->max_host_connections > 0)
		curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
				  o->max_host_connections);
	*out = f;
	return GZ_OK;
nomem:
	fetch_free(f);
	return gz_fail(err, GZ_ENOMEM, "out of memory");
}

/* Free one transfer and its unfinished result, unlinking it from f. */
static void fetch_xfer_free(struct fetch_xfer *x)
{
	struct fetch *f = x->f;

	if (x->prev)
		x->prev->next = x->next;
	else
		f->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	if (x->easy) {
		curl_multi_remove_handle(f->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	fetch_result_free(x->res);
	free(x);
}

void fetch_free(struct fetch *f)
{
	size_t i;

	if (!f)
		return;
	while (f->xfers)
		fetch_xfer_free(f->xfers);
	if (f->multi)
		curl_multi_cleanup(f->multi);
	for (i = 0; i < f->n_allow; i++)
		free(f->allow[i]);
	free(f->allow);
	free(f->user_agent);
	free(f);
}

size_t fetch_pending(const struct fetch *f)
{
	return f->pending;
}

void fetch_result_free(struct fetch_result *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->final_url);
	free(r->redirect_url);
	free(r->content_type);
	free(r->etag);
	free(r->last_modified);
	free(r->remote_ip);
	buf_release(&r->body);
	buf_release(&r->head);
	free(r);
}

/* Append "name: value" to *list.  GZ_OK or GZ_ENOMEM. */
static int fetch_add_header(struct curl_slist **list, const char *name,
			    const char *value)
{
	struct buf b;
	struct curl_slist *n;

	buf_init(&b, FETCH_MAX_HEADER + 64);
	if (strpbrk(value, "\r\n"))
		return GZ_OK; /* never let a stored value inject headers */
	if (buf_addf(&b, "%s: %s", name, value) != GZ_OK) {
		buf_release(&b);
		return GZ_OK; /* too long: send no condition */
	}
	n = curl_slist_append(*list, b.ptr);
	buf_release(&b);
	if (!n)
		return GZ_ENOMEM;
	*list = n;
	return GZ_OK;
}

int fetch_add(struct fetch *f, const struct fetch_request *req, char *err)
{
	struct fetch_xfer *x;
	CURL *e;
	int rc = GZ_OK;

	if (strncasecmp(req->url, "http://", 7) != 0 &&
	    strncasecmp(req->url, "https://", 8) != 0)
		return gz_fail(err, GZ_EDENIED, "%.200s: only http and https",
			       req->url);
	x = calloc(1, sizeof *x);
	if (!x)
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	x->f = f;
	x->max_bytes = req->max_bytes;
	x->flags = req->flags;
	x->res = calloc(1, sizeof *x->res);
	if (!x->res) {
		free(x);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	x->res->user = req->user;
	x->res->retry_after_sec = -1;
	buf_init(&x->res->body, req->max_bytes);
	buf_init(&x->res->head, FETCH_MAX_HEAD);
	x->res->url = strdup(req->url);
	x->easy = e = curl_easy_init();
	/* Link first so that fetch_xfer_free can unlink on every path. */
	x->next = f->xfers;
	if (f->xfers)
		f->xfers->prev = x;
	f->xfers = x;
	if (!x->res->url || !e) {
		fetch_xfer_free(x);
		return gz_fail(err, GZ_ENOMEM, "out of memory");
	}
	if (req->if_none_match)
		rc = fetch_add_header(&x->headers, "If-None-Match",
				      req->if_none_match);
	if (rc == GZ_OK && req->if_modified_since)
		rc = fetch_add_header(&x->headers, "If-Modified-Since",
				      req->if_modified_since);
	if (rc != GZ_OK) {
		fetch_xfer_free(x);
		return gz_fail(err, rc, "out of memory");
	}
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION,
			 (req->flags & FETCH_FOLLOW) ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)GZ_MAX_REDIRECTS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, f->connect_timeout);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, f->timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, f->low_bytes);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, f->low_sec);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, fetch_opensocket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, fetch_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	if (!(req->flags & FETCH_TRUNCATE))
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
				 (curl_off_t)req->max_bytes);
	if (x->headers)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		fetch_xfer_free(x);
		return gz_fail(err, GZ_EFETCH, "curl refused the request");
	}
	f->pending++;
	return GZ_OK;
}

/* Copy the string curl returns for info into *out (NULL when none). */
static void fetch_info_str(CURL *e, CURLINFO info, char **out)
{
	char *s = NULL;

	if (curl_easy_getinfo(e, info, &s) == CURLE_OK && s && *s)
		*out = strdup(s);
}

/* Fill x->res from the finished transfer with curl code cc. */
static void fetch_finish(struct fetch_xfer *x, CURLcode cc)
{
	struct fetch_result *r = x->res;
	CURL *e = x->easy;
	long redirects = 0;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &r->seconds);
	r->redirects = (int)redirects;
	fetch_info_str(e, CURLINFO_EFFECTIVE_URL, &r->final_url);
	fetch_info_str(e, CURLINFO_CONTENT_TYPE, &r->content_type);
	fetch_info_str(e, CURLINFO_PRIMARY_IP, &r->remote_ip);
	if (!(x->flags & FETCH_FOLLOW) && r->status >= 300 && r->status < 400)
		fetch_info_str(e, CURLINFO_REDIRECT_URL, &r->redirect_url);
	if (!r->final_url)
		r->final_url = strdup(r->url);

	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && r->truncated)) {
		r->rc = GZ_OK;
	} else if (x->denied) {
		r->rc = gz_fail(r->err, GZ_EDENIED,
				"address %s refused by policy", x->denied_addr);
	} else if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		r->rc = gz_fail(r->err, GZ_ETOOBIG,
				"body larger than %zu bytes", x->max_bytes);
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		r->rc = gz_fail(r->err, GZ_ETIMEOUT, "%s",
				x->errbuf[0] ? x->errbuf : "timed out");
	} else if (cc == CURLE_UNSUPPORTED_PROTOCOL) {
		r->rc = gz_fail(r->err, GZ_EDENIED,
				"redirect to a scheme other than http(s)");
	} else if (cc == CURLE_TOO_MANY_REDIRECTS) {
		r->rc = gz_fail(r->err, GZ_EFETCH, "more than %d redirects",
				GZ_MAX_REDIRECTS);
	} else {
		r->rc = gz_fail(r->err, GZ_EFETCH, "%s",
				x->errbuf[0] ? x->errbuf
					     : curl_easy_strerror(cc));
	}
}

int fetch_next(struct fetch *f, long timeout_ms, struct fetch_result **out,
	       char *err)
{
	long long deadline =
		(long long)gz_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	*out = NULL;
	for (;;) {
		int running = 0, left = 0;
		CURLMsg *m;
		CURLMcode mc = curl_multi_perform(f->multi, &running);
		long long now;

		if (mc != CURLM_OK)
			return gz_fail(err,
				       mc == CURLM_OUT_OF_MEMORY ? GZ_ENOMEM
								 : GZ_EFETCH,
				       "curl: %s", curl_multi_strerror(mc));
		while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
			struct fetch_xfer *x;
			char *priv = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
					  &priv);
			x = (struct fetch_xfer *)(void *)priv;
			if (!x)
				continue;
			fetch_finish(x, m->data.result);
			*out = x->res;
			x->res = NULL;
			f->pending--;
			fetch_xfer_free(x);
			return GZ_OK;
		}
		if (f->pending == 0 || atomic_exchange(&f->woken, 0))
			return GZ_OK;
		now = (long long)gz_mono_ms();
		if (now >= deadline)
			return GZ_OK;
		mc = curl_multi_poll(
			f->multi, NULL, 0,
			(int)(deadline - now > 1000 ? 1000 : deadline - now),
			NULL);
		if (mc != CURLM_OK)
			return gz_fail(err, GZ_EFETCH, "curl: %s",
				       curl_multi_strerror(mc));
	}
}

void fetch_wakeup(struct fetch *f)
{
	atomic_store(&f->woken, 1);
	curl_multi_wakeup(f->multi);
}

/* ------------------------------------------------------------ WARC heads */

/* True when line[0..n) is the header field name (ASCII case ignored) + ':'. */
static int fetch_is_field(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

int fetch_head_decoded(const char *head, size_t len, size_t body_len,
		       struct buf *out)
{
	static const char *const moved[] = { "Content-Encoding",
					     "Transfer-Encoding",
					     "Content-Length" };
	size_t pos = 0;
	int rc = GZ_OK, first = 1;

	if (len < 5 || strncmp(head, "HTTP/", 5) != 0)
		return GZ_EPARSE;
	while (pos < len && rc == GZ_OK) {
		const char *line = head + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		size_t i;

		pos += n + (nl ? 1 : 0);
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break; /* the blank line: end of the head */
		if (!first && (line[0] == ' ' || line[0] == '\t')) {
			rc = buf_add(out, line, n); /* obsolete folding: keep */
			if (rc == GZ_OK)
				rc = buf_add(out, "\r\n", 2);
			continue;
		}
		for (i = 0; i < sizeof moved / sizeof moved[0] && !first; i++) {
			if (fetch_is_field(line, n, moved[i])) {
				rc = buf_adds(out, "X-Archive-Orig-");
				break;
			}
		}
		if (rc == GZ_OK)
			rc = buf_add(out, line, n);
		if (rc == GZ_OK)
			rc = buf_add(out, "\r\n", 2);
		first = 0;
	}
	if (rc == GZ_OK)
		rc = buf_addf(out, "Content-Length: %zu\r\n\r\n", body_len);
	return rc;
}
