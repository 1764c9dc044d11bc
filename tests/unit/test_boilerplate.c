/*
** test_boilerplate.c — each kind of boilerplate issue 3 names, one table
** row each: the page (an article wrapped in that boilerplate), words that
** must survive, words that must go, and fields that must come out.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "article.h"
#include "extract.h"
#include "gz_err.h"

/* The article every row wraps: three real paragraphs. */
#define STORY                                                                \
	"<h1>Harbour board backs quay extension</h1>"                        \
	"<p>The harbour board voted on Tuesday to extend the northern quay " \
	"by "                                                                \
	"two hundred metres, a project discussed for almost a decade.</p>"   \
	"<p>Opponents argued that the cost, estimated at forty million, "    \
	"would "                                                             \
	"be better spent on roads and schools in the district.</p>"          \
	"<p>Work is expected to begin next spring and to last three years, " \
	"the board said in a statement after the meeting.</p>"

#define HEAD                                                            \
	"<html><head><title>Harbour board backs quay extension</title>" \
	"</head><body>"
#define TAIL "</body></html>"

struct bp_case {
	const char *kind;    /* which boilerplate */
	const char *html;    /* the page */
	const char *gone[3]; /* must not be in the text */
	const char *authors; /* expected authors joined by ";", or NULL */
};

static const struct bp_case bp_cases[] = {
	{ "nav",
	  HEAD
	  "<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/w\">"
	  "World news and politics</a></li><li><a href=\"/s\">Sport results "
	  "today</a></li></ul></nav><article>" STORY "</article>" TAIL,
	  { "Home", "World news and politics", "Sport results" },
	  NULL },
	{ "menu-classed",
	  HEAD "<div class=\"main-menu\"><a href=\"/a\">Business "
	       "and markets</a> <a href=\"/b\">Opinion and letters</a></div>"
	       "<div class=\"story-body\">" STORY "</div>" TAIL,
	  { "Business and markets", "Opinion and letters", NULL },
	  NULL },
	{ "header-footer",
	  HEAD
	  "<header><div class=\"logo\">The Daily Example"
	  "</div><p>Your trusted local news since 1901</p></header><main>" STORY
	  "</main><footer><p>Contact us at 1 Quay Street, Example Town</p>"
	  "<p>Terms of use and privacy policy</p></footer>" TAIL,
	  { "trusted local news", "Contact us", "privacy policy" },
	  NULL },
	{ "share-bar",
	  HEAD "<article><div class=\"share-tools\"><a href=\"#\">"
	       "Share on Facebook</a> <a href=\"#\">Share on Twitter</a> <a "
	       "href=\"#\">"
	       "Email this story</a></div>" STORY
	       "<ul class=\"social-links\"><li>"
	       "Follow us on Instagram for photos</li></ul></article>" TAIL,
	  { "Facebook", "Twitter", "Instagram" },
	  NULL },
	{ "most-read",
	  HEAD
	  "<article>" STORY "</article><div class=\"most-read\">"
	  "<h3>Most read</h3><ol><li><a href=\"/1\">Storm closes coastal road "
	  "for third day running</a></li><li><a href=\"/2\">Council approves "
	  "new "
	  "cycle lanes in centre</a></li></ol></div>" TAIL,
	  { "Most read", "Storm closes", "cycle lanes" },
	  NULL },
	{ "related",
	  HEAD
	  "<article>" STORY "<aside class=\"related-articles\">"
	  "<h4>Related stories</h4><p><a href=\"/r\">Ferry fares to rise in "
	  "April, operator says</a></p><p>Port traffic fell by a tenth last "
	  "year as the new terminal stood idle.</p></aside></article>" TAIL,
	  { "Related stories", "Ferry fares", "Port traffic fell" },
	  NULL },
	{ "comments-disqus",
	  HEAD "<article><p class=\"byline\">By Jane Doe</p>" STORY
	       "</article><div id=\"disqus_thread\"><div class=\"post\">"
	       "<span class=\"author\">harbourfan</span><p>About time too, "
	       "this quay "
	       "has needed work for years and years.</p></div></div>"
	       "<a href=\"https://disqus.com/?ref\">Comments powered by "
	       "Disqus</a>" TAIL,
	  { "harbourfan", "About time too", "Disqus" },
	  "Jane Doe" },
	{ "comments-section",
	  HEAD
	  "<article>" STORY "</article><section "
	  "id=\"comments\"><h3>3 comments</h3><div "
	  "class=\"comment\"><p>Comment "
	  "by Peter Grumpy</p><p>This is a complete waste of money, the roads "
	  "are a disgrace.</p></div><form><textarea>Leave a reply</textarea>"
	  "</form></section>" TAIL,
	  { "Peter Grumpy", "waste of money", "Leave a reply" },
	  "" },
	{ "cookie-banner",
	  HEAD
	  "<div class=\"cookie-consent\"><p>We use cookies "
	  "to improve your experience. By continuing you accept our use of "
	  "cookies.</p><button>Accept</button></div><article>" STORY
	  "</article>" TAIL,
	  { "cookies", "improve your experience", NULL },
	  NULL },
	{ "newsletter",
	  HEAD
	  "<article>" STORY "<div class=\"newsletter-signup\">"
	  "<h3>Get the morning briefing</h3><p>Sign up for our free daily "
	  "newsletter and never miss a story again.</p></div></article>" TAIL,
	  { "morning briefing", "newsletter", "never miss" },
	  NULL },
	{ "ads",
	  HEAD
	  "<article>" STORY "<div class=\"ad ad-slot\"><p>"
	  "Advertisement</p><p>Buy the new Example phone today, best prices in "
	  "town guaranteed.</p></div><div id=\"taboola-below\"><p>You may "
	  "like: "
	  "doctors hate this one weird trick for better sleep.</p></div>"
	  "</article>" TAIL,
	  { "Advertisement", "Example phone", "weird trick" },
	  NULL },
	{ "captions-credits",
	  HEAD
	  "<article><figure><img src=\"q.jpg\">"
	  "<figcaption>The northern quay at dawn, seen from the old promenade "
	  "in the harbour.</figcaption></figure><p "
	  "class=\"image-credit\">Photo: "
	  "Sam Lens/Example Agency</p>" STORY "</article>" TAIL,
	  { "at dawn", "Sam Lens", "Example Agency" },
	  NULL },
	{ "hidden-and-skip",
	  HEAD "<a class=\"skip-link\" href=\"#main\">Skip to "
	       "main content</a><div style=\"display: none\">Hidden tracking "
	       "text that "
	       "nobody should read</div><article id=\"main\">" STORY
	       "</article>" TAIL,
	  { "Skip to", "Hidden tracking", NULL },
	  NULL },
};

static void test_boilerplate_table(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof bp_cases / sizeof bp_cases[0]; i++) {
		const struct bp_case *c = &bp_cases[i];
		struct extract_opts o;
		struct article a;
		enum page_kind kind;
		char err[GZ_ERRLEN], au[512];
		size_t n = 0;

		memset(&o, 0, sizeof o);
		o.url = "https://news.example/story/quay";
		article_init(&a);
		assert_int_equal(extract_html(c->html, strlen(c->html), &o, &a,
					      &kind, err),
				 GZ_OK);
		if (!a.text || !strstr(a.text, "two hundred metres") ||
		    !strstr(a.text, "better spent on roads") ||
		    !strstr(a.text, "begin next spring"))
			fail_msg("%s: story lost: %s", c->kind,
				 a.text ? a.text : "(null)");
		for (k = 0; k < 3; k++)
			if (c->gone[k] && strstr(a.text, c->gone[k]))
				fail_msg("%s: \"%s\" kept: %s", c->kind,
					 c->gone[k], a.text);
		if (c->authors) {
			au[0] = '\0';
			for (k = 0; k < a.n_authors; k++)
				n += (size_t)snprintf(au + n, sizeof au - n,
						      "%s%s", k ? ";" : "",
						      a.authors[k]);
			if (strcmp(au, c->authors))
				fail_msg("%s: authors \"%s\", want \"%s\"",
					 c->kind, au, c->authors);
		}
		assert_int_equal(kind, PAGE_ARTICLE);
		article_free(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boilerplate_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
